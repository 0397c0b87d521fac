using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Forge.Training.Devices;
using Forge.Training.Models;
using Forge.Training.Models.HuggingFace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Model;

/// <summary><c>forge model logits DIR --ids 1,2,3 [--json]</c>: the model's float32 logits at every position of one sequence.</summary>
internal sealed class ModelLogitsCommand : Command<ModelLogitsCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DIR>")]
        [Description("A Hugging Face model folder (config.json) or a Forge checkpoint (checkpoint.json).")]
        public string Directory { get; init; } = "";

        [CommandOption("--ids <IDS>")]
        [Description("Comma-separated token ids, e.g. 1,2,3 (required).")]
        public string Ids { get; init; } = "";

        [CommandOption("--json")]
        [Description("Print {\"logits\": [[[[...]], ...]]} (one row of vocabulary logits per position).")]
        public bool Json { get; init; }

        [CommandOption("--dtype <DTYPE>")]
        [Description("Load dtype: auto (as stored), f32, f16 or bf16. Default auto.")]
        public string DType { get; init; } = "auto";

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda, cuda:N or auto. Default cpu.")]
        public string Device { get; init; } = "cpu";

        [CommandOption("--top <K>")]
        [Description("Text output: the K largest logits per position. Default 5.")]
        public int Top { get; init; } = 5;

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Ids)) return ValidationResult.Error("--ids is required, e.g. --ids 1,2,3.");
            if (DType != "auto" && HfDTypes.Parse(DType) is null) return ValidationResult.Error($"--dtype {DType}: expected auto, f32, f16 or bf16.");
            return Top < 1 ? ValidationResult.Error($"--top must be ≥ 1 (got {Top}).") : ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var ids = ParseIds(settings.Ids);
        var dtype = settings.DType == "auto" ? null : HfDTypes.Parse(settings.DType);
        using var loaded = ModelFolder.Load(settings.Directory, dtype, DeviceSelector.Resolve(settings.Device));
        var logits = ModelFolder.Logits(loaded.Model, ids);
        if (settings.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { logits }));
            return 0;
        }
        Console.Out.WriteLine($"{logits.Length} positions × {logits[0].Length} logits ({loaded.Model.DType} model, float32 output)");
        for (var t = 0; t < logits.Length; t++)
        {
            var top = logits[t].Select((value, id) => (value, id)).OrderByDescending(x => x.value).Take(settings.Top);
            Console.Out.WriteLine($"pos {t,3}  id {ids[t],6}  top: " +
                string.Join("  ", top.Select(x => $"{x.id}={x.value.ToString("0.####", CultureInfo.InvariantCulture)}")));
        }
        return 0;
    }

    internal static long[] ParseIds(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(part =>
            long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id)
                ? id
                : throw new ArgumentException($"--ids: '{part}' is not a token id; expected comma-separated integers like 1,2,3."))];
}
