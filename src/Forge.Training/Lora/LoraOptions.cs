using System.ComponentModel.DataAnnotations;
using Forge.Core.Configuration;

namespace Forge.Training.Lora;

/// <summary>
/// The <c>trainer.lora</c> section: low-rank adapters (LoRA, as Hugging Face PEFT defines them) on the named projections.
/// Only the adapters train; the base model stays frozen, and the KL reference is the base with the adapters switched off.
/// </summary>
public sealed class LoraOptions
{
    /// <summary>The Hugging Face projection names an adapter can target, with the module each names in a <see cref="Model.CausalTransformer"/> block.</summary>
    public static IReadOnlyDictionary<string, string> KnownTargets { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["q_proj"] = "attention.query", ["k_proj"] = "attention.key", ["v_proj"] = "attention.value", ["o_proj"] = "attention.output",
        ["gate_proj"] = "mlp.gate", ["up_proj"] = "mlp.up", ["down_proj"] = "mlp.down",
    };

    /// <summary>r: the rank of each adapter (A is [r, in], B is [out, r]). Default 16.</summary>
    [Range(1, int.MaxValue)]
    public int Rank { get; set; } = 16;

    /// <summary>α: the adapter's output is scaled by α / r. Default 32.</summary>
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Alpha { get; set; } = 32;

    /// <summary>Dropout on the adapter's input during training. Default 0.</summary>
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Dropout { get; set; }

    /// <summary>The projections that get adapters, by their Hugging Face names. Default: all seven of attention and MLP.</summary>
    public List<string> Targets { get; set; } = [.. KnownTargets.Keys];

    /// <summary>α / r, the factor the adapter's product is scaled by.</summary>
    public double Scale => Alpha / Rank;

    /// <summary>Every problem with these options, each named by its JSON path (<c>$.trainer.lora.…</c>, or as <paramref name="at"/> names a field).</summary>
    public IReadOnlyList<string> Validate(Func<string, string>? at = null)
    {
        at ??= field => $"$.trainer.lora.{field}";
        // The ranges are declared on the properties (the configuration reader enforces them when it reads the section).
        var e = OptionsValidator.Validate(this).Select(p => $"{at(p.Property ?? "")}: {p.Message}").ToList();
        if (Targets is null or { Count: 0 }) e.Add($"{at("targets")}: name at least one projection (" + string.Join(", ", KnownTargets.Keys) + ")");
        for (var i = 0; i < (Targets?.Count ?? 0); i++)
        {
            var target = Targets![i];
            if (!KnownTargets.ContainsKey(target))
                e.Add($"{at("targets")}[{i}]: unknown projection '{target}'." + NameSuggestions.DidYouMean(target, KnownTargets.Keys, "'")
                      + $" Known: {string.Join(", ", KnownTargets.Keys)}.");
            else if (Targets.IndexOf(target) != i)
                e.Add($"{at("targets")}[{i}]: '{target}' is listed twice");
        }
        return e;
    }
}
