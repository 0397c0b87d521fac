using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Forge.Host.Recording;
using Forge.Training.Models.HuggingFace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>
/// <c>forge export FILE --jsonl [--out PATH]</c>: every trajectory as one JSON object per line (snake_case).
/// <c>forge export DIR --hf OUT_DIR</c>: a Forge checkpoint or Hugging Face model folder as a Hugging Face folder.
/// </summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SOURCE>")]
        [Description("A trajectory file (trajectories.forge) for --jsonl; a model folder (Forge checkpoint or Hugging Face folder) for --hf.")]
        public string File { get; init; } = "";

        [CommandOption("--jsonl")]
        [Description("Write JSON lines: one trajectory per line.")]
        public bool JsonLines { get; init; }

        [CommandOption("--out <PATH>")]
        [Description("Write to this file instead of stdout.")]
        public string? Out { get; init; }

        [CommandOption("--hf <OUT_DIR>")]
        [Description("Write the model as a Hugging Face folder (config.json, model.safetensors, generation_config.json, tokenizer files).")]
        public string? HuggingFace { get; init; }

        public override ValidationResult Validate()
        {
            if (HuggingFace is not null && JsonLines)
                return ValidationResult.Error("Choose one format: --jsonl (a trajectory file) or --hf OUT_DIR (a model folder).");
            if (HuggingFace is not null && Out is not null)
                return ValidationResult.Error("--out goes with --jsonl; --hf takes the output folder itself.");
            return JsonLines || HuggingFace is not null
                ? ValidationResult.Success()
                : ValidationResult.Error("Choose an export format: --jsonl (a trajectory file) or --hf OUT_DIR (a model folder).");
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Console.Out, Console.Error);

    internal static int Run(Settings settings, TextWriter stdout, TextWriter stderr)
    {
        if (settings.HuggingFace is { } target)
            return ExportModel(settings.File, target, stderr);
        if (!settings.JsonLines) throw new ArgumentException("Choose an export format: --jsonl.");
        if (Directory.Exists(settings.File))
            throw new ArgumentException($"{settings.File} is a folder: --jsonl exports a trajectory file; to export a model folder use --hf OUT_DIR.");
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

    private static int ExportModel(string source, string target, TextWriter stderr)
    {
        if (File.Exists(source))
            throw new ArgumentException($"{source} is a file: --hf exports a model folder (a Forge checkpoint or a Hugging Face folder).");
        if (!Directory.Exists(source))
            throw new DirectoryNotFoundException($"{source}: model folder not found.");
        var export = HfExporter.ExportFolder(source, target);
        var tokenizer = export.TokenizerFiles.Count > 0
            ? "tokenizer files: " + string.Join(", ", export.TokenizerFiles)
            : "no tokenizer files (the source folder has none)";
        stderr.WriteLine($"forge: exported {export.Architecture} ({HfDTypes.Name(export.DType)}) to {export.Directory}; {tokenizer}");
        return 0;
    }
}
