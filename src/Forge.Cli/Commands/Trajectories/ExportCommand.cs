using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Forge.Host.Recording;
using Forge.Training.Checkpoints.Gguf;
using Forge.Training.Models.HuggingFace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>
/// <c>forge export FILE --jsonl [--out PATH]</c>: every trajectory as one JSON object per line (snake_case).
/// <c>forge export DIR --hf OUT_DIR</c>: a Forge checkpoint or Hugging Face model folder as a Hugging Face folder.
/// <c>forge export DIR --gguf FILE [--dtype f32|f16|bf16]</c>: the same as one GGUF file for llama.cpp.
/// </summary>
internal sealed class ExportCommand : Command<ExportCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SOURCE>")]
        [Description("A trajectory file (trajectories.forge) for --jsonl; a model folder (Forge checkpoint or Hugging Face folder) for --hf and --gguf.")]
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

        [CommandOption("--gguf <FILE>")]
        [Description("Write the model as one GGUF file (llama.cpp, Ollama, LM Studio): weights, shape and tokenizer.")]
        public string? Gguf { get; init; }

        [CommandOption("--dtype <TYPE>")]
        [Description("With --gguf: f32 (default), f16 or bf16 matrices; norms and biases stay f32.")]
        public string? DType { get; init; }

        public override ValidationResult Validate()
        {
            if (Gguf is not null && (JsonLines || HuggingFace is not null || Out is not null))
                return ValidationResult.Error("--gguf FILE is a format of its own: leave out --jsonl, --hf and --out.");
            if (DType is not null && Gguf is null)
                return ValidationResult.Error("--dtype goes with --gguf.");
            if (DType is not null && GgufType(DType) is null)
                return ValidationResult.Error($"--dtype: '{DType}' is not f32, f16 or bf16.");
            if (Gguf is not null)
                return ValidationResult.Success();
            if (HuggingFace is not null && JsonLines)
                return ValidationResult.Error("Choose one format: --jsonl (a trajectory file) or --hf OUT_DIR (a model folder).");
            if (HuggingFace is not null && Out is not null)
                return ValidationResult.Error("--out goes with --jsonl; --hf takes the output folder itself.");
            return JsonLines || HuggingFace is not null
                ? ValidationResult.Success()
                : ValidationResult.Error("Choose an export format: --jsonl (a trajectory file), --hf OUT_DIR or --gguf FILE (a model folder).");
        }

        internal static GgmlType? GgufType(string? name) => name?.ToLowerInvariant() switch
        {
            null or "f32" => GgmlType.F32,
            "f16" => GgmlType.F16,
            "bf16" => GgmlType.BF16,
            _ => null,
        };
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Run(settings, Console.Out, Console.Error);

    internal static int Run(Settings settings, TextWriter stdout, TextWriter stderr)
    {
        if (settings.HuggingFace is { } target)
            return ExportModel(settings.File, target, stderr);
        if (settings.Gguf is { } file)
            return ExportGguf(settings.File, file, Settings.GgufType(settings.DType)!.Value, stderr);
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
        RequireModelFolder(source, "--hf");
        var export = HfExporter.ExportFolder(source, target);
        var tokenizer = export.TokenizerFiles.Count > 0
            ? "tokenizer files: " + string.Join(", ", export.TokenizerFiles)
            : "no tokenizer files (the source folder has none)";
        stderr.WriteLine($"forge: exported {export.Architecture} ({HfDTypes.Name(export.DType)}) to {export.Directory}; {tokenizer}");
        return 0;
    }

    private static int ExportGguf(string source, string file, GgmlType type, TextWriter stderr)
    {
        RequireModelFolder(source, "--gguf");
        if (Directory.Exists(file))
            throw new ArgumentException($"--gguf: {file} is a folder; give the GGUF file to write.");
        var export = GgufExport.Write(source, file, type);
        stderr.WriteLine($"forge: exported {export.Architecture} ({type}, {export.Tensors} tensors) to {export.Path}");
        return 0;
    }

    private static void RequireModelFolder(string source, string flag)
    {
        if (File.Exists(source))
            throw new ArgumentException($"{source} is a file: {flag} exports a model folder (a Forge checkpoint or a Hugging Face folder).");
        if (!Directory.Exists(source))
            throw new DirectoryNotFoundException($"{source}: model folder not found.");
    }
}
