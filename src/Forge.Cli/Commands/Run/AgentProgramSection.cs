using System.Text.Json;
using Forge.Host.Scenarios;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// A scenario's <c>"agent": {"type": "agent-program", …}</c>: the policy to serve (<c>checkpoint</c> or <c>model</c>, relative
/// to the scenario file) and the program — <c>program</c>, an in-process program Forge ships (<c>support-desk</c>), or
/// <c>command</c>, any program started per episode — with <c>deadline_seconds</c> and <c>max_batch</c>.
/// </summary>
internal sealed record AgentProgramSection(string Policy, string? Program, IReadOnlyList<string>? Command, double DeadlineSeconds, int MaxBatch, string Device)
{
    /// <summary>The in-process programs a scenario may name, with the environment whose tasks each takes.</summary>
    public static readonly IReadOnlyDictionary<string, string> Programs = new Dictionary<string, string> { ["support-desk"] = "support/desk" };

    private static readonly string[] Known = ["type", "checkpoint", "model", "program", "command", "deadline_seconds", "max_batch", "device"];

    /// <summary>Reads the section; every problem is reported together, each naming its JSON path.</summary>
    public static AgentProgramSection Read(Scenario scenario)
    {
        var raw = scenario.Agent.Raw;
        var problems = new List<string>();
        void Problem(string field, string message) => problems.Add($"{scenario.Path}: $.agent.{field}: {message}");
        foreach (var property in raw.EnumerateObject())
            if (!Known.Contains(property.Name)) Problem(property.Name, $"unknown property; the agent-program agent takes {string.Join(", ", Known)}.");
        string? Text(string name) => raw.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : Bad(name, "expected a non-empty string") : null;
        string? Bad(string name, string message) { Problem(name, message); return null; }
        var checkpoint = Text("checkpoint");
        var model = Text("model");
        if ((checkpoint is null) == (model is null)) Problem("checkpoint", "give exactly one of \"checkpoint\" (a Forge checkpoint) or \"model\" (a Hugging Face folder) to serve.");
        var program = Text("program");
        List<string>? command = null;
        if (raw.TryGetProperty("command", out var c))
        {
            if (c.ValueKind == JsonValueKind.Array && c.GetArrayLength() > 0 && c.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String))
                command = [.. c.EnumerateArray().Select(x => x.GetString()!)];
            else Problem("command", "expected an array of strings, the program and its arguments, e.g. [\"python3\", \"agent.py\"].");
        }
        if ((program is null) == (command is null)) Problem("program", $"give exactly one of \"program\" ({string.Join(", ", Programs.Keys)}) or \"command\".");
        else if (program is not null && !Programs.ContainsKey(program)) Problem("program", $"`{program}` is not an agent program Forge ships; use one of {string.Join(", ", Programs.Keys)}, or \"command\".");
        var deadline = raw.TryGetProperty("deadline_seconds", out var d) ? d.ValueKind == JsonValueKind.Number && d.GetDouble() > 0 ? d.GetDouble() : Number("deadline_seconds") : 120;
        double Number(string name) { Problem(name, "expected a positive number"); return 1; }
        var maxBatch = raw.TryGetProperty("max_batch", out var b) ? b.ValueKind == JsonValueKind.Number && b.TryGetInt32(out var n) && n >= 1 ? n : (int)Number("max_batch") : 16;
        var device = Text("device") ?? "auto";
        if (program is not null && Programs.TryGetValue(program, out var takes))
            foreach (var other in scenario.Environments.Where(e => e.Id != takes))
                problems.Add($"{scenario.Path}: {other.JsonPath}.id: the `{program}` agent program takes {takes} tasks, not {other.Id}.");
        if (problems.Count > 0) throw new ScenarioException(problems);
        var folder = Path.GetDirectoryName(Path.GetFullPath(scenario.Path)) ?? ".";
        var policy = Path.GetFullPath(Path.Combine(folder, (checkpoint ?? model)!));
        return new AgentProgramSection(policy, program, command, deadline, maxBatch, device);
    }
}
