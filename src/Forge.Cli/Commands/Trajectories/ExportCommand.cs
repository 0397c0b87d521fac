using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Forge.Host.Recording;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Trajectories;

/// <summary><c>forge export FILE --jsonl [--out PATH]</c>: every trajectory as one JSON object per line (snake_case).</summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FILE>")]
        [Description("A trajectory file (trajectories.forge).")]
        public string File { get; init; } = "";

        [CommandOption("--jsonl")]
        [Description("Write JSON lines: one trajectory per line.")]
        public bool JsonLines { get; init; }

        [CommandOption("--out <PATH>")]
        [Description("Write to this file instead of stdout.")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            JsonLines ? ValidationResult.Success() : ValidationResult.Error("Choose an export format: --jsonl.");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Console.Out, Console.Error);

    internal static int Run(Settings settings, TextWriter stdout, TextWriter stderr)
    {
        if (!settings.JsonLines) throw new ArgumentException("Choose an export format: --jsonl.");
        using var reader = TrajectoryReader.Open(settings.File);
        var output = settings.Out is null ? stdout : new StreamWriter(settings.Out, append: false, new UTF8Encoding(false));
        var written = 0;
        var skipped = 0;
        try
        {
            foreach (var entry in reader.ReadEntries())
            {
                if (entry.Trajectory is { } t)
                {
                    output.WriteLine(JsonSerializer.Serialize(t, TrajectoryJson.Options));
                    written++;
                }
                else
                {
                    stderr.WriteLine($"forge: warning: {settings.File}: {entry.Corrupt}");
                    skipped++;
                }
            }
        }
        finally
        {
            if (settings.Out is null) output.Flush(); else output.Dispose();
        }
        if (settings.Out is not null || skipped > 0)
            stderr.WriteLine($"forge: exported {written} trajectories{(settings.Out is null ? "" : $" to {settings.Out}")}{(skipped > 0 ? $"; skipped {skipped} damaged stretch(es)" : "")}");
        return 0;
    }
}
