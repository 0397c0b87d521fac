using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Forge.Training.Models;
using Forge.Training.Models.HuggingFace;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Model;

/// <summary><c>forge model inspect DIR [--json]</c>: what a model folder holds and what Forge will and will not honour.</summary>
internal sealed class ModelInspectCommand : Command<ModelInspectCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DIR>")]
        [Description("A Hugging Face model folder (config.json) or a Forge checkpoint (checkpoint.json).")]
        public string Directory { get; init; } = "";

        [CommandOption("--json")]
        [Description("Print the report as JSON.")]
        public bool Json { get; init; }
    }

    internal static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var report = ModelInspection.Of(settings.Directory);
        if (settings.Json)
            Console.Out.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
        else
            Render(report, Console.Out);
        return 0;
    }

    private static void Render(ModelInspection r, TextWriter o)
    {
        o.WriteLine($"{r.Architecture ?? "(unknown architecture)"} ({r.Kind})  {r.Directory}");
        var dtypes = string.Join(", ", r.StoredDTypes.Select(kv => $"{kv.Key} ×{kv.Value}"));
        o.WriteLine($"parameters: {Count(r.Parameters)}; stored: {Count(r.StoredElements)} elements ({dtypes}) in {string.Join(", ", r.WeightFiles)}"
            + (r.TorchDType is null ? "" : $"; torch_dtype {r.TorchDType}"));
        if (r.Config is { } c)
        {
            o.WriteLine($"context: {c.MaxSeqLen} tokens; {c.Layers} layers, hidden {c.DModel}, {c.Heads} heads / {c.KvHeadCount} kv heads, " +
                $"head dim {c.HeadDim}, MLP {c.FfHidden} ({c.Mlp}), vocab {c.VocabSize}, {(c.TieEmbeddings ? "tied" : "untied")} head");
            var extras = new List<string> { $"rope_theta {c.RopeTheta.ToString(CultureInfo.InvariantCulture)}", $"norm eps {c.NormEps.ToString(CultureInfo.InvariantCulture)}" };
            if (c.RopeScaling is { } s) extras.Add($"rope scaling {s.Kind} ×{s.Factor.ToString(CultureInfo.InvariantCulture)}");
            if (c.QkvBias) extras.Add("q/k/v biases");
            if (c.OutputBias) extras.Add("output bias");
            if (c.MlpBias) extras.Add("MLP biases");
            if (c.QkNorm) extras.Add("q/k norm");
            o.WriteLine("           " + string.Join(", ", extras));
        }
        o.WriteLine($"tokens: bos {r.BosTokenId?.ToString(CultureInfo.InvariantCulture) ?? "-"}, eos {(r.EosTokenIds.Count == 0 ? "-" : string.Join(", ", r.EosTokenIds))}");
        var files = r.TokenizerFiles.Count == 0 ? "none" : string.Join(", ", r.TokenizerFiles);
        o.WriteLine($"tokenizer: {(r.Tokenizer is null ? "" : $"Forge {r.Tokenizer}; ")}files {files}; chat template {(r.ChatTemplate ? "present" : "absent")}");
        Notes(o, "honoured", r.Honoured);
        Notes(o, "ignored", r.Ignored);
        Notes(o, "refused", r.Refused);
        o.WriteLine(r.Loadable ? "loadable: yes" : "loadable: no");
        foreach (var problem in r.Problems)
            o.WriteLine($"  - {problem}");
    }

    private static void Notes(TextWriter o, string title, IReadOnlyList<ConfigNote> notes)
    {
        if (notes.Count == 0) return;
        o.WriteLine($"{title}:");
        foreach (var note in notes)
            o.WriteLine($"  {note.Field}: {note.Detail}");
    }

    private static string Count(long? n) => n switch
    {
        null => "-",
        >= 1_000_000_000 => (n.Value / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " B",
        >= 1_000_000 => (n.Value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        _ => n.Value.ToString("N0", CultureInfo.InvariantCulture),
    };
}
