using Forge.Host.Registry;
using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Scenarios;

public sealed partial record Scenario
{
    private static readonly string[] TopLevel =
        ["$schema", "name", "seed", "environments", "agent", "episodes_per_task", "group_size", "concurrency", "agent_retries", "limits", "reward_mode", "sandbox", "trainer", "cluster", "output"];

    private static readonly Dictionary<string, RewardMode> RewardModes = new() { ["graded"] = Core.RewardMode.Graded, ["binary"] = Core.RewardMode.Binary };

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Loads and validates a scenario file. Throws <see cref="ScenarioException"/> listing every problem, each with the file and the JSON path.</summary>
    public static Scenario Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Scenario file {path} doesn't exist.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates scenario JSON; <paramref name="path"/> names the file in errors and anchors relative paths.</summary>
    public static Scenario Parse(string json, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new ScenarioException([$"{path}: line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: invalid JSON: {FirstSentence(e.Message)}"]);
        }

        using (document)
        {
            var checker = new JsonChecker(path);
            var root = document.RootElement;
            if (!checker.IsObject(root, "$")) throw new ScenarioException(checker.Problems);
            checker.OnlyKnown(root, "$", TopLevel);

            var name = checker.String(root, "$", "name", required: true);
            var seed = checker.Int(root, "$", "seed", int.MinValue, int.MaxValue) ?? 0;
            var environments = ReadEnvironments(checker, root);
            var agent = ReadAgent(checker, root);
            var groupSize = checker.Int(root, "$", "group_size", 1, 10_000) ?? 1;
            var episodesPerTask = checker.Int(root, "$", "episodes_per_task", 1, 1_000_000) ?? groupSize;
            if (episodesPerTask % groupSize != 0)
                checker.Problem("$.episodes_per_task", $"must be a multiple of group_size ({groupSize}), got {episodesPerTask}");
            var concurrency = checker.Int(root, "$", "concurrency", 1, 100_000) ?? 8;
            var retries = checker.Int(root, "$", "agent_retries", 0, 100) ?? 2;
            var limits = checker.Optional(root, "limits") is { } l ? LimitOverrides.Read(checker, l, "$.limits") : new LimitOverrides();
            var rewardMode = checker.Choice(root, "$", "reward_mode", RewardModes);
            var sandbox = checker.Optional(root, "sandbox") is { } s && checker.IsObject(s, "$.sandbox") ? s.Clone() : (JsonElement?)null;
            var trainer = checker.Optional(root, "trainer") is { } t && checker.IsObject(t, "$.trainer") ? t.Clone() : (JsonElement?)null;
            var cluster = checker.Optional(root, "cluster") is { } c && checker.IsObject(c, "$.cluster") ? c.Clone() : (JsonElement?)null;
            var output = checker.String(root, "$", "output");

            if (checker.Problems.Count > 0) throw new ScenarioException(checker.Problems);
            return new Scenario
            {
                Name = name!,
                Path = System.IO.Path.GetFullPath(path),
                Seed = seed,
                Environments = environments,
                Agent = agent!,
                EpisodesPerTask = episodesPerTask,
                GroupSize = groupSize,
                Concurrency = concurrency,
                AgentRetries = retries,
                Limits = limits,
                RewardMode = rewardMode,
                Sandbox = sandbox,
                Trainer = trainer,
                Cluster = cluster,
                Output = output ?? System.IO.Path.Combine("runs", name!),
            };
        }
    }

    private static List<ScenarioEnvironment> ReadEnvironments(JsonChecker checker, JsonElement root)
    {
        var result = new List<ScenarioEnvironment>();
        if (checker.Optional(root, "environments") is not { } array)
        {
            checker.Problem("$.environments", "is required: list the environments to run, like [{ \"id\": \"math/arithmetic\", \"tasks\": 10 }]");
            return result;
        }
        if (array.ValueKind != JsonValueKind.Array)
        {
            checker.Problem("$.environments", $"expected an array, got {JsonChecker.Describe(array)}");
            return result;
        }
        if (array.GetArrayLength() == 0) checker.Problem("$.environments", "must name at least one environment");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var entry in array.EnumerateArray())
        {
            var path = $"$.environments[{index++}]";
            if (!checker.IsObject(entry, path)) continue;
            checker.OnlyKnown(entry, path, ["id", "tasks", "task_ids"]);
            var id = checker.String(entry, path, "id", required: true);
            var tasks = checker.Int(entry, path, "tasks", 1, 10_000_000);
            var taskIds = ReadTaskIds(checker, entry, path);
            if (tasks is not null && taskIds is not null) checker.Problem(path, "give either `tasks` (a count) or `task_ids` (a list), not both");
            if (id is null) continue;
            if (!seen.Add(id)) checker.Problem($"{path}.id", $"`{id}` is listed twice; merge the entries");
            result.Add(new ScenarioEnvironment(id, tasks, taskIds, path));
        }
        return result;
    }

    private static List<string>? ReadTaskIds(JsonChecker checker, JsonElement entry, string path)
    {
        if (checker.Optional(entry, "task_ids") is not { } value) return null;
        path += ".task_ids";
        if (value.ValueKind != JsonValueKind.Array)
        {
            checker.Problem(path, $"expected an array of task ids, got {JsonChecker.Describe(value)}");
            return null;
        }
        var ids = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = $"{path}[{i++}]";
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(item.GetString()))
                checker.Problem(itemPath, $"expected a task id (a non-empty string), got {JsonChecker.Describe(item)}");
            else if (ids.Contains(item.GetString()!))
                checker.Problem(itemPath, $"`{item.GetString()}` is listed twice");
            else
                ids.Add(item.GetString()!);
        }
        if (ids.Count == 0 && i == 0) checker.Problem(path, "must name at least one task");
        return ids;
    }

    private static ScenarioAgent? ReadAgent(JsonChecker checker, JsonElement root)
    {
        if (checker.Optional(root, "agent") is not { } section)
        {
            checker.Problem("$.agent", "is required, like { \"type\": \"scripted\" }");
            return null;
        }
        if (!checker.IsObject(section, "$.agent")) return null;
        var type = checker.String(section, "$.agent", "type", required: true);
        if (type is null) return null;
        if (!ScenarioAgent.Types.Contains(type))
        {
            checker.Problem("$.agent.type", $"`{type}` is not an agent type; use one of {string.Join(", ", ScenarioAgent.Types.Select(t => $"`{t}`"))}.{NameSuggestions.DidYouMean(type, ScenarioAgent.Types)}");
            return null;
        }
        if (ScenarioAgent.HostProperties.TryGetValue(type, out var known)) checker.OnlyKnown(section, "$.agent", known);
        var errorRate = type == "noisy" ? checker.Number(section, "$.agent", "error_rate", 0, 1) ?? 0.2 : 0;
        return new ScenarioAgent(type, errorRate, section.Clone());
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
