using System.Reflection;
using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Registry;

internal sealed partial class RegistryReader
{
    private TaskSource? ReadTasks(JsonElement entry, string path, Assembly? assembly, Type? environmentType, ref Type? taskType)
    {
        var tasksPath = $"{path}.tasks";
        if (!entry.TryGetProperty("tasks", out var tasks))
        {
            Problem(path, "\"tasks\" is missing; add { \"file\": \"….jsonl\" } or { \"generator\": \"Namespace.Type\", \"count\": 100 }");
            return null;
        }
        if (tasks.ValueKind != JsonValueKind.Object)
        {
            Problem(tasksPath, $"expected an object with \"file\", or with \"generator\" and \"count\", got {Kind(tasks)}");
            return null;
        }
        CheckUnknown(tasks, tasksPath, TaskProperties);
        var file = String(tasks, tasksPath, "file", required: false);
        var generator = String(tasks, tasksPath, "generator", required: false);
        var count = Int(tasks, tasksPath, "count", minimum: 1);
        var hasFile = tasks.TryGetProperty("file", out _);
        var hasGenerator = tasks.TryGetProperty("generator", out _);
        if (hasFile == hasGenerator)
        {
            Problem(tasksPath, hasFile ? "give either \"file\" or \"generator\", not both" : "give either \"file\" or \"generator\"");
            return null;
        }
        if (file is not null) return ReadTaskFile(file, count, tasksPath, environmentType, taskType);
        if (generator is null) return null;
        return ReadGenerator(generator, count, countGiven: tasks.TryGetProperty("count", out _), tasksPath, assembly, environmentType, ref taskType);
    }

    private FileTaskSource? ReadTaskFile(string file, int? count, string tasksPath, Type? environmentType, Type? taskType)
    {
        if (count is not null) Problem($"{tasksPath}.count", "\"count\" goes with \"generator\"; every line of a task file is a task");
        var full = Path.Combine(_folder, file);
        if (!File.Exists(full))
        {
            Problem($"{tasksPath}.file", $"task file '{file}' doesn't exist (looked at {full})");
            return null;
        }
        if (environmentType is null) return null;
        if (taskType is null)
        {
            Problem($"{tasksPath}.file", $"can't tell what tasks {environmentType.Name} takes: derive it from Environment<TTask>, or use a generator");
            return null;
        }
        try
        {
            var read = typeof(TaskFile).GetMethod(nameof(TaskFile.Read))!.MakeGenericMethod(taskType);
            var tasks = (IReadOnlyList<IEnvironmentTask>)read.Invoke(null, [DisplayPath(full)])!;
            if (tasks.Count > 0) return new FileTaskSource(file, tasks);
            Problem($"{tasksPath}.file", $"task file '{file}' has no tasks");
        }
        catch (TargetInvocationException e) when (e.InnerException is FormatException or IOException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException)
        {
            foreach (var line in e.InnerException.Message.Split('\n'))
                Problem($"{tasksPath}.file", e.InnerException is FormatException ? line.TrimEnd('\r') : $"task file '{file}' can't be read: {line.TrimEnd('\r')}");
        }
        return null;
    }

    private GeneratorTaskSource? ReadGenerator(string generator, int? count, bool countGiven, string tasksPath, Assembly? assembly, Type? environmentType, ref Type? taskType)
    {
        if (!countGiven) Problem(tasksPath, "\"count\" is missing: how many tasks the generator makes by default");
        if (assembly is null) return null;
        var generatorPath = $"{tasksPath}.generator";
        var type = FindType(assembly, generator, generatorPath, t => TypeResolver.GeneratedTaskTypes(t).Count > 0);
        if (type is null) return null;
        var made = TypeResolver.GeneratedTaskTypes(type);
        if (made.Count == 0)
        {
            Problem(generatorPath, $"type '{generator}' is not a task generator: it doesn't implement Forge.Core.ITaskGenerator<TTask>");
            return null;
        }
        if (!TypeResolver.IsConstructible(type))
        {
            Problem(generatorPath, $"type '{generator}' can't be created: a generator needs to be a concrete class with a public parameterless constructor");
            return null;
        }
        var expected = taskType;
        var fitting = made.FirstOrDefault(m => expected is null || expected.IsAssignableFrom(m));
        if (fitting is null || fitting.IsValueType)
        {
            Problem(generatorPath, fitting is null
                ? $"'{generator}' makes {string.Join(", ", made.Select(m => m.Name))} tasks but {environmentType?.Name} takes {expected!.Name} tasks"
                : $"'{generator}' makes {fitting.Name} tasks, a struct; task types must be classes (records)");
            return null;
        }
        taskType ??= fitting;
        if (count is null) return null;
        var source = new GeneratorTaskSource(type, count.Value);
        try
        {
            source.Take(seed: 0, 1);
            return source;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var inner = e is TargetInvocationException { InnerException: { } i } ? i : e;
            Problem(generatorPath, $"generating task 0 with seed 0 threw {inner.GetType().Name}: {inner.Message}");
            return null;
        }
    }

    private EpisodeLimits ReadLimits(JsonElement entry, string path)
    {
        var limits = EpisodeLimits.Default;
        if (!entry.TryGetProperty("limits", out var element)) return limits;
        var limitsPath = $"{path}.limits";
        if (element.ValueKind != JsonValueKind.Object)
        {
            Problem(limitsPath, $"expected an object such as {{ \"max_turns\": 8 }}, got {Kind(element)}");
            return limits;
        }
        CheckUnknown(element, limitsPath, LimitProperties);
        if (Int(element, limitsPath, "max_turns") is { } maxTurns) limits = limits with { MaxTurns = maxTurns };
        if (Int(element, limitsPath, "max_action_chars") is { } maxChars) limits = limits with { MaxActionChars = maxChars };
        if (Seconds(element, limitsPath, "turn_timeout_s") is { } turn) limits = limits with { TurnTimeout = turn };
        if (Seconds(element, limitsPath, "step_timeout_s") is { } step) limits = limits with { StepTimeout = step };
        if (Seconds(element, limitsPath, "tool_timeout_s") is { } tool) limits = limits with { ToolTimeout = tool };
        if (Seconds(element, limitsPath, "episode_timeout_s") is { } episode) limits = limits with { EpisodeTimeout = episode };
        foreach (var error in limits.Validate())
        {
            // Validate names a limit by its first word ("turn_timeout must be positive"); point at the JSON property.
            var name = error.Split(' ')[0];
            var property = LimitProperties.Contains(name) ? name : LimitProperties.Contains(name + "_s") ? name + "_s" : null;
            Problem(property is null ? limitsPath : $"{limitsPath}.{property}", property is not null && property != name ? property + error[name.Length..] : error);
        }
        return limits;
    }

    private RewardMode ReadRewardMode(JsonElement entry, string path)
    {
        var mode = String(entry, path, "reward_mode", required: false);
        switch (mode)
        {
            case null or "graded": return RewardMode.Graded;
            case "binary": return RewardMode.Binary;
            default:
                Problem($"{path}.reward_mode", $"unknown reward mode \"{mode}\"; use \"graded\" or \"binary\".{NameSuggestions.DidYouMean(mode, RewardModes, "\"")}");
                return RewardMode.Graded;
        }
    }

    private string? String(JsonElement parent, string path, string name, bool required)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            if (required) Problem(path, $"\"{name}\" is missing");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Problem($"{path}.{name}", $"expected a string, got {Kind(value)}");
            return null;
        }
        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            Problem($"{path}.{name}", "is empty");
            return null;
        }
        return text;
    }

    private int? Int(JsonElement parent, string path, string name, int? minimum = null)
    {
        if (!parent.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            Problem($"{path}.{name}", $"expected an integer, got {Kind(value)}");
            return null;
        }
        if (number < minimum)
        {
            Problem($"{path}.{name}", $"must be at least {minimum} (got {number})");
            return null;
        }
        return number;
    }

    private TimeSpan? Seconds(JsonElement parent, string path, string name)
    {
        if (!parent.TryGetProperty(name, out var value)) return null;
        const double longest = 7 * 24 * 3600;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds))
        {
            Problem($"{path}.{name}", $"expected a number of seconds, got {Kind(value)}");
            return null;
        }
        if (seconds > longest)
        {
            Problem($"{path}.{name}", $"must be at most {longest} s (a week), got {seconds}");
            return null;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private void CheckUnknown(JsonElement element, string path, IReadOnlyCollection<string> known)
    {
        foreach (var property in element.EnumerateObject())
            if (!known.Contains(property.Name))
                Problem(ChildPath(path, property.Name), $"unknown property \"{property.Name}\".{NameSuggestions.DidYouMean(property.Name, known, "\"")}");
    }

    private static string ChildPath(string path, string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && name.Length > 0 ? $"{path}.{name}" : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Shorten(value.GetString()!)}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
