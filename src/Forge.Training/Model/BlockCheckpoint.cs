using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Forge.Training.Model;

/// <summary>
/// Activation checkpointing of one <see cref="Block"/> (as PyTorch's reentrant <c>torch.utils.checkpoint</c>): the
/// forward pass runs the block without recording a graph, keeping only its input; the backward pass runs the block
/// again with gradients on and back-propagates through that recomputation, which accumulates the gradients of every
/// parameter the block uses (its own and any adapter hooked onto it) and yields the gradient of the input.
/// The recomputation must see the same randomness as the forward pass, so it is used only without dropout.
/// </summary>
internal sealed class BlockCheckpoint : SingleTensorFunction<BlockCheckpoint>
{
    public override string Name => nameof(BlockCheckpoint);

    /// <summary>x [B, T, C] → block(x) [B, T, C], keeping only x, the positions and the mask for the backward pass.</summary>
    /// <remarks>
    /// An empty leaf that requires grad goes in as an extra input so that the node joins the graph even when x needs no
    /// gradient (the first block of a model whose embedding is frozen, as under LoRA).
    /// </remarks>
    public static Tensor Run(Block block, Tensor x, Tensor positions, Func<Tensor, Rotary> rotaryAt, Tensor? mask, bool causal, int layer) =>
        apply(x, empty(0, requires_grad: true), positions, mask, new Recipe(block, rotaryAt, causal, layer));

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (x, positions, mask, recipe) = ((Tensor)vars[0], (Tensor)vars[2], vars[3] as Tensor, (Recipe)vars[4]);
        ctx.save_for_backward([x, positions, mask!]);
        ctx.save_data(nameof(Recipe), recipe);
        using var scope = NewDisposeScope();   // the block's intermediates go now, not when the model's forward pass ends
        return recipe.Block.Forward(x, recipe.RotaryAt(positions), mask, recipe.Causal, earlier: null, recipe.Layer).MoveToOuterDisposeScope();   // no graph: apply runs this without grad
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var recipe = (Recipe)ctx.get_data(nameof(Recipe));
        var saved = ctx.get_saved_variables();   // x, positions, mask (null when there was none)
        Tensor gradInput;
        using (var scope = NewDisposeScope())
        {
            var input = saved[0].detach().requires_grad_(true);
            using (enable_grad())
            {
                var output = recipe.Block.Forward(input, recipe.RotaryAt(saved[1]), saved[2], recipe.Causal, earlier: null, recipe.Layer);
                output.backward([gradOutput]);
            }
            gradInput = input.grad!.detach().MoveToOuterDisposeScope();
        }
        foreach (var t in saved) t?.Dispose();
        return [gradInput, null!, null!, null!, null!];
    }

    private sealed record Recipe(Block Block, Func<Tensor, Rotary> RotaryAt, bool Causal, int Layer);
}
