using System.Text.Json;
using Forge.Core;
using Forge.Core.Configuration;

namespace Forge.Host.Scenarios;

public sealed partial record Scenario
{
    /// <summary>Loads and validates a scenario file. Throws <see cref="ScenarioException"/> listing every problem, each with the file and the JSON path.</summary>
    public static Scenario Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Scenario file {path} doesn't exist.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Parses and validates scenario JSON with the configuration reader; <paramref name="path"/> names the file in errors and
    /// anchors relative paths. The <c>limits</c> and <c>sandbox</c> sections are checked against their options types here,
    /// so every problem of the file is reported at once.
    /// </summary>
    public static Scenario Parse(string json, string path)
    {
        var reader = new ConfigReader(path);
        using var document = reader.Parse(json);
        if (document is null) throw new ScenarioException(Lines(reader));
        var file = reader.Bind<ScenarioFile>(document.RootElement, "$");
        var agent = file.Agent is { } section ? ReadAgent(reader, section) : null;
        var limits = file.Limits is { ValueKind: not JsonValueKind.Null } l ? LimitOverrides.Read(reader, l, "$.limits") : new LimitOverrides();
        if (file.Sandbox is { ValueKind: not JsonValueKind.Null } sandbox) reader.Bind<SandboxOptions>(sandbox, "$.sandbox");
        if (reader.Problems.Count > 0) throw new ScenarioException(Lines(reader));

        return new Scenario
        {
            Name = file.Name!,
            Path = System.IO.Path.GetFullPath(path),
            Seed = file.Seed,
            Environments = file.Environments!.Select((e, i) => new ScenarioEnvironment(e.Id!, e.Tasks, e.TaskIds, $"$.environments[{i}]")).ToList(),
            Agent = agent!,
            EpisodesPerTask = file.EpisodesPerTask ?? file.GroupSize,
            GroupSize = file.GroupSize,
            Concurrency = file.Concurrency,
            AgentRetries = file.AgentRetries,
            Limits = limits,
            RewardMode = file.RewardMode,
            Sandbox = file.Sandbox is { ValueKind: not JsonValueKind.Null } s ? s : null,
            Trainer = file.Trainer is { ValueKind: not JsonValueKind.Null } t ? t : null,
            Cluster = file.Cluster is { ValueKind: not JsonValueKind.Null } c ? c : null,
            Judge = file.Judge,
            Output = file.Output ?? System.IO.Path.Combine("runs", file.Name!),
        };
    }

    private static List<string> Lines(ConfigReader reader) => reader.Problems.Select(p => p.ToString()).ToList();

    private static ScenarioAgent? ReadAgent(ConfigReader reader, JsonElement section)
    {
        const string path = "$.agent";
        if (section.ValueKind != JsonValueKind.Object)
        {
            reader.Problem(path, $"expected an object, got {ConfigReader.Describe(section)}");
            return null;
        }
        if (!section.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
        {
            reader.Problem($"{path}.type", "is required: one of " + string.Join(", ", ScenarioAgent.Types.Select(t => $"\"{t}\"")));
            return null;
        }
        var type = typeElement.GetString()!;
        if (!ScenarioAgent.Types.Contains(type))
        {
            reader.Problem($"{path}.type", $"\"{type}\" is not an agent type; use one of {string.Join(", ", ScenarioAgent.Types.Select(t => $"\"{t}\""))}.{NameSuggestions.DidYouMean(type, ScenarioAgent.Types, "\"")}");
            return null;
        }
        // The host reads scripted and noisy agents; the other types' owners read the rest of their section themselves.
        double errorRate = 0;
        if (type == "scripted") reader.Bind<ScriptedAgentSection>(section, path);
        else if (type == "noisy") errorRate = reader.Bind<NoisyAgentSection>(section, path).ErrorRate;
        return new ScenarioAgent(type, errorRate, section.Clone());
    }
}
