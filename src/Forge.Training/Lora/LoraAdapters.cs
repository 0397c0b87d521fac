using System.Runtime.CompilerServices;
using Forge.Training.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Training.Lora;

/// <summary>
/// The LoRA adapters attached to one <see cref="CausalTransformer"/>: a <see cref="LoraLayer"/> on every targeted
/// projection of every block. Attaching freezes the whole base model (<c>requires_grad = false</c>); the adapters'
/// A and B are the only trainable parameters. <see cref="Of"/> finds the adapters attached to a model, so the trainer,
/// the rollout agent and checkpoints treat an adapted model as such without being told.
/// </summary>
public sealed class LoraAdapters : IDisposable
{
    private static readonly ConditionalWeakTable<CausalTransformer, LoraAdapters> Attached = new();
    private readonly List<(string Module, LoraLayer Layer)> _layers;
    private bool _enabled = true;

    private LoraAdapters(CausalTransformer model, LoraOptions options, List<(string, LoraLayer)> layers)
    {
        Model = model;
        Options = options;
        _layers = layers;
    }

    /// <summary>The adapted model.</summary>
    public CausalTransformer Model { get; }

    /// <summary>Rank, α, dropout and targets.</summary>
    public LoraOptions Options { get; }

    /// <summary>Each adapter with the name of the projection it adapts (<c>blocks.0.attention.query</c>), in model order.</summary>
    public IReadOnlyList<(string Module, LoraLayer Layer)> Layers => _layers;

    /// <summary>The trainable parameters: A and B of every adapter, in model order.</summary>
    public IEnumerable<Parameter> Parameters() => _layers.SelectMany(l => new[] { l.Layer.A, l.Layer.B });

    /// <summary>Number of trainable (adapter) parameters.</summary>
    public long ParameterCount => Parameters().Sum(p => p.numel());

    /// <summary>Whether the adapters add their output; false makes the model exactly its base.</summary>
    public bool Enabled
    {
        get => _enabled;
        set
        {
            _enabled = value;
            foreach (var (_, layer) in _layers) layer.Enabled = value;
        }
    }

    /// <summary>The adapters attached to <paramref name="model"/>, or null when it has none.</summary>
    public static LoraAdapters? Of(CausalTransformer model) =>
        Attached.TryGetValue(model ?? throw new ArgumentNullException(nameof(model)), out var adapters) ? adapters : null;

    /// <summary>
    /// Attaches fresh adapters (A random, B zero: the model's output is unchanged) to the <see cref="LoraOptions.Targets"/>
    /// of <paramref name="model"/> and freezes its base weights. With <paramref name="seed"/> A is drawn from a private generator.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid, the model already has adapters, or a target names a projection the model lacks.</exception>
    public static LoraAdapters Attach(CausalTransformer model, LoraOptions options, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } errors) throw new ArgumentException(string.Join("; ", errors));
        if (Of(model) is not null) throw new ArgumentException("the model already has LoRA adapters attached.");
        var projections = model.named_modules().Where(m => m.module is Linear).ToDictionary(m => m.name, m => (Linear)m.module);
        var missing = options.Targets.Select((t, i) => (t, i))
            .Where(x => !projections.ContainsKey($"blocks.0.{LoraOptions.KnownTargets[x.t]}"))
            .Select(x => $"$.trainer.lora.targets[{x.i}]: the model has no '{x.t}' projection (blocks.N.{LoraOptions.KnownTargets[x.t]})").ToList();
        if (missing.Count > 0) throw new ArgumentException(string.Join("; ", missing));

        using var generator = seed is { } s ? new Generator((ulong)s) : null;
        var layers = new List<(string, LoraLayer)>();
        for (var block = 0; block < model.Config.Layers; block++)
            foreach (var (target, module) in LoraOptions.KnownTargets)
                if (options.Targets.Contains(target))
                {
                    var name = $"blocks.{block}.{module}";
                    layers.Add((name, new LoraLayer(projections[name], options, generator)));
                }
        foreach (var p in model.parameters()) p.requires_grad = false;
        var adapters = new LoraAdapters(model, options, layers);
        foreach (var (_, layer) in layers) layer.Attach();
        Attached.Add(model, adapters);
        return adapters;
    }

    /// <summary>Switches the adapters off until the returned scope is disposed (the base model, e.g. for the KL reference).</summary>
    public IDisposable Disable()
    {
        var was = Enabled;
        Enabled = false;
        return new Restore(() => Enabled = was);
    }

    /// <summary>Overwrites these adapters' A and B with <paramref name="source"/>'s (same targets and rank; devices may differ).</summary>
    public void CopyFrom(LoraAdapters source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source._layers.Count != _layers.Count || source.Options.Rank != Options.Rank)
            throw new ArgumentException("cannot copy between adapters of different targets or ranks.");
        using var noGrad = no_grad();
        for (var i = 0; i < _layers.Count; i++)
        {
            _layers[i].Layer.A.copy_(source._layers[i].Layer.A);
            _layers[i].Layer.B.copy_(source._layers[i].Layer.B);
        }
    }

    /// <summary>
    /// A second adapted model for generation that shares this model's frozen base tensors (no copy of the base) and has
    /// its own copy of the adapters, in eval mode without gradients. Keep it in step with <see cref="CopyFrom"/>.
    /// </summary>
    /// <remarks>
    /// The replica is built like any model (its own freshly initialised weights exist briefly) and then pointed at this
    /// model's storage; the base must stay frozen while the replica lives, which attaching adapters ensures.
    /// </remarks>
    public LoraAdapters Replica()
    {
        var copy = new CausalTransformer(Model.Config, seed: 0);
        try
        {
            copy.to(Model.DType);
            copy.to(Model.Device);
            var source = Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            using (no_grad())
                foreach (var (name, parameter) in copy.named_parameters())
                    parameter.set_(source[name]);
            var replica = Attach(copy, Options, seed: 0);   // A is overwritten below; a private generator leaves the global one alone
            replica.CopyFrom(this);
            foreach (var p in replica.Parameters()) p.requires_grad = false;
            copy.eval();
            return replica;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Folds the adapters into the base weights (<c>W ← W + B·A·α/r</c>, in the weight's dtype) and detaches them: the
    /// model is then a plain model with the adapted model's outputs (up to rounding), ready for export.
    /// </summary>
    public void Merge()
    {
        using (no_grad())
        using (var scope = NewDisposeScope())
            foreach (var (_, layer) in _layers)
            {
                var weight = layer.Base.weight!;
                weight.add_(layer.Delta().to(weight.dtype, weight.device));
            }
        Dispose();
    }

    /// <summary>
    /// Writes the adapted model's weights with the adapters folded in (<c>W + B·A·α/r</c>) into <paramref name="target"/>, a
    /// plain model of the same config (e.g. a copy for a server that runs no adapters); this model and its adapters are unchanged.
    /// </summary>
    public void MergeInto(CausalTransformer target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (Of(target) is not null) throw new ArgumentException("the target model has LoRA adapters of its own; merge into a plain model.", nameof(target));
        target.CopyWeightsFrom(Model);
        var projections = target.named_modules().Where(m => m.module is Linear).ToDictionary(m => m.name, m => (Linear)m.module);
        using (no_grad())
        using (var scope = NewDisposeScope())
            foreach (var (name, layer) in _layers)
            {
                var weight = projections[name].weight!;
                weight.add_(layer.Delta().to(weight.dtype, weight.device));
            }
    }

    /// <summary>Detaches the adapters (the model becomes its base again) and frees them. The base stays frozen.</summary>
    public void Dispose()
    {
        foreach (var (_, layer) in _layers)
        {
            layer.Detach();
            layer.Dispose();
        }
        _layers.Clear();
        Attached.Remove(Model);
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
