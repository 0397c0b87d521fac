using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Core;
using Forge.Sandbox;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Sandbox;

/// <summary><c>forge sandbox doctor</c>: what isolation each sandbox backend can give on this machine, and why not.</summary>
internal sealed class SandboxDoctorCommand : Command<SandboxDoctorCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the diagnosis as JSON.")]
        public bool Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var backends = SandboxProviders.Diagnose();
        if (settings.Json) JsonOutput.Write(Json(backends));
        else Print(backends);
        // Exit 0 when the default backend can isolate code here, 1 when it cannot.
        return backends.FirstOrDefault(b => b.Backend == "local")?.Isolated == true ? 0 : 1;
    }

    /// <summary>The diagnosis as <c>--json</c> prints it (also inside <c>forge doctor --json</c>).</summary>
    internal static IEnumerable<object> Json(IEnumerable<SandboxIsolation> backends) =>
        backends.Select(b => new { backend = b.Backend, isolated = b.Isolated, in_effect = b.InEffect, missing = b.Missing });

    /// <summary>The diagnosis for people: one verdict per backend, then what is and isn't in effect.</summary>
    internal static void Print(IEnumerable<SandboxIsolation> backends)
    {
        foreach (var backend in backends)
        {
            var verdict = backend.Isolated ? "[green]isolates untrusted code[/]" : "[red]cannot isolate untrusted code here[/]";
            AnsiConsole.MarkupLine($"[bold]{backend.Backend}[/]: {verdict}");
            foreach (var line in backend.InEffect) AnsiConsole.MarkupLine($"  [green]✓[/] {Markup.Escape(line)}");
            foreach (var line in backend.Missing) AnsiConsole.MarkupLine($"  [yellow]✗[/] {Markup.Escape(line)}");
        }
    }
}
