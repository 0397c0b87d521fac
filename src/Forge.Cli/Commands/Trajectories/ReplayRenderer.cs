using System.Globalization;
using Forge.Core;
using Spectre.Console;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>Prints one trajectory turn by turn: messages by role, tool calls and results, step rewards and timings, the reward breakdown.</summary>
internal static class ReplayRenderer
{
    public static void Render(Trajectory t, IAnsiConsole console)
    {
        console.MarkupLine($"[bold]Episode {E(t.EpisodeId)}[/] · {E(t.EnvironmentId)} v{E(t.EnvironmentVersion)} · task {E(t.TaskId)} · seed {t.Seed}");
        var policy = t.PolicyVersion is { } v ? $" (policy v{v})" : "";
        var group = t.GroupId.Length == 0 ? "" : $" · group {t.GroupId}";
        var run = t.RunId.Length == 0 ? "" : $" · run {t.RunId}";
        console.MarkupLine(E($"agent {(t.AgentId.Length == 0 ? "(none)" : t.AgentId)}{policy}{group}{run} · started {t.StartedAt:yyyy-MM-dd HH:mm:ss zzz} · {Ms(t.DurationMs)} · {t.Steps.Count} steps"));
        if (t.ParentEpisodeId is { } parent)
            console.MarkupLine(E($"forked from episode {parent} at step {t.ForkStep}: steps 0–{t.ForkStep - 1} re-executed from the parent, then {t.AgentId} acted"));
        if (t.Tools.Count > 0)
            console.MarkupLine(E($"tools: {string.Join(", ", t.Tools.Select(tool => tool.Name))}"));
        foreach (var line in ProvenanceLines(t)) console.MarkupLine($"[grey]{E(line)}[/]");

        console.WriteLine();
        foreach (var message in t.Prompt) WriteMessage(message, console);

        foreach (var step in t.Steps)
        {
            Heading(console, $"turn {step.Index} · agent {Ms(step.AgentMs)} · environment {Ms(step.EnvironmentMs)} · reward {Num(step.Reward)}");
            WriteMessage(step.Action, console);
            foreach (var message in step.Observation) WriteMessage(message, console);
            if (step.Info.Count > 0)
                console.MarkupLine($"  [grey]info: {E(string.Join(", ", step.Info.Select(i => $"{i.Key}={i.Value}")))}[/]");
        }

        Heading(console, "outcome");
        if (t.Breakdown is { } breakdown)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Reward function", "Score");
            foreach (var (name, score) in breakdown.Scores) table.AddRow(E(name), Num(score));
            table.AddRow("[bold]total[/]", $"[bold]{Num(breakdown.Total)}[/]");
            console.Write(table);
            foreach (var (name, note) in breakdown.Notes ?? new Dictionary<string, string>())
            {
                var judged = breakdown.Judgements?.GetValueOrDefault(name) is { } j ? $" (judged by {j.Model}, {j.Mode.ToString().ToLowerInvariant()} mode)" : "";
                console.MarkupLine($"[grey]{E($"{name}{judged}: {note}")}[/]");
            }
            console.MarkupLine(breakdown.Success ? "Success: [green]yes[/]" : "Success: [yellow]no[/]");
        }
        else console.MarkupLine("Reward breakdown: none (the episode was not scored)");

        var termination = Names.Snake(t.Termination) + (t.TruncationReason is { } reason ? $" ({reason})" : "");
        console.MarkupLine($"Termination: {(t.Termination == Termination.Terminated ? "" : "[yellow]")}{E(termination)}{(t.Termination == Termination.Terminated ? "" : "[/]")}");
        if (t.Error is { } error)
            console.MarkupLine($"Error: [red]{E($"{Names.Snake(error.Boundary)} · {error.Type}: {error.Message}")}[/]");
        console.MarkupLine(E($"Total reward {Num(t.TotalReward)} · tool errors {t.ToolErrorCount} · malformed {t.MalformedCount} · assistant tokens {t.AssistantTokens}"));
    }

    private static void WriteMessage(Message m, IAnsiConsole console)
    {
        var (label, colour) = m.Role switch
        {
            Role.System => ("system", "grey"),
            Role.User => ("user", "blue"),
            Role.Assistant => ("assistant", "green"),
            _ => ($"tool {m.Name} ({m.ToolCallId})", m.IsError ? "red" : "aqua"),
        };
        var flags = (m.IsError ? " ERROR" : "") + (m.Malformed ? " MALFORMED" : "");
        console.MarkupLine($"[bold {colour}]{E(label)}[/]{(flags.Length == 0 ? "" : $"[bold red]{flags}[/]")}:");
        if (m.Content.Length > 0)
            foreach (var line in m.Content.Split('\n'))
                console.MarkupLine(m.IsError ? $"  [red]{E(line)}[/]" : $"  {E(line)}");
        foreach (var call in m.ToolCalls)
            console.MarkupLine($"  [bold]→ {E(call.Name)}[/] {E(call.ArgumentsJson)}  [grey](id {E(call.Id)})[/]");
        if (m.TokenIds is { Count: > 0 } tokens)
        {
            var logProbs = m.LogProbs is { Count: > 0 } lp ? $", mean log-prob {Num(lp.Average())}" : "";
            var version = m.PolicyVersion is { } v ? $", policy v{v}" : "";
            console.MarkupLine($"  [grey]{tokens.Count} tokens{E(logProbs + version)}[/]");
        }
    }

    /// <summary>The provenance in a few lines; one line saying it is missing for trajectories recorded before it was kept.</summary>
    internal static IEnumerable<string> ProvenanceLines(Trajectory t)
    {
        if (t.Provenance is not { } p)
        {
            yield return "provenance: none (recorded before Forge kept it)";
            yield break;
        }
        yield return $"provenance: forge {p.ForgeVersion}{(p.ForgeCommit.Length > 0 ? $" ({Short(p.ForgeCommit)})" : "")} · {p.EnvironmentAssembly} {Short(p.EnvironmentAssemblyHash)} · reward mode {(t.RewardMode is { } m ? Names.Snake(m) : "unknown")}";
        if (p.Task is { } task)
            yield return $"task: {(task.Source == TaskProvenance.GeneratorSource ? $"generator {task.Generator}, seed {task.GeneratorSeed}" : $"file {task.File}")} · content {Short(task.ContentHash)}";
        if (p.Limits is { } l)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"limits: max_turns {l.MaxTurns} · turn {l.TurnTimeout.TotalSeconds:0.###} s · step {l.StepTimeout.TotalSeconds:0.###} s · tool {l.ToolTimeout.TotalSeconds:0.###} s · episode {l.EpisodeTimeout.TotalSeconds:0.###} s · max_action_chars {l.MaxActionChars}");
        if (p.Sandbox is { } sandbox)
            yield return $"sandbox: {sandbox.Backend}{(sandbox.Image is { } image ? $" image {image}" : "")}{(sandbox.ImageId is { } id ? $" ({Short(id)})" : "")}";
        if (p.Agent is { } a)
            yield return "agent: " + string.Join(" · ", new[]
            {
                a.Type, a.Model, a.EndpointHost is { } host ? $"endpoint {host}" : null,
                a.PolicyCheckpointHash is { } hash ? $"checkpoint {Short(hash)}" : null, a.Details,
            }.Where(x => !string.IsNullOrEmpty(x)));
    }

    private static string Short(string hash) => hash.StartsWith("sha256:", StringComparison.Ordinal) ? "sha256:" + Short(hash[7..]) : hash.Length > 12 ? hash[..12] : hash;

    private static void Heading(IAnsiConsole console, string text) => console.MarkupLine($"[bold]── {E(text)} ──[/]");

    /// <summary>Recorded text for the terminal: control and invalid characters escaped, then Spectre markup escaped.</summary>
    internal static string E(string text) => Markup.Escape(TerminalText.Escape(text));

    private static string Ms(double ms) => $"{ms.ToString("0.##", CultureInfo.InvariantCulture)} ms";

    private static string Num(double value) => InspectCommand.Num(value);
}
