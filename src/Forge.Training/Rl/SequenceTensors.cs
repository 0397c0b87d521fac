using Forge.Training.Model;
using static TorchSharp.torch;

namespace Forge.Training.Rl;

/// <summary>A micro-batch as right-padded tensors, shifted so that position t predicts token t + 1.</summary>
/// <param name="Ids">[B, T] token ids (int64), padded with the pad id.</param>
/// <param name="Inputs">[B, T−1] the model's inputs.</param>
/// <param name="Targets">[B, T−1] the tokens predicted.</param>
/// <param name="Mask">[B, T−1] 1 where the target is a policy token of a sequence in the loss.</param>
/// <param name="OldLogProbs">[B, T−1] recorded sampling log-probs of the targets.</param>
/// <param name="Advantages">[B] advantages.</param>
/// <param name="SharedPrefix">How many leading input tokens every row has in common (for <see cref="CausalTransformer.ForwardSharedPrefix"/>).</param>
/// <param name="InputLengths">Each row's real length within <see cref="Inputs"/> (at least <paramref name="SharedPrefix"/>); the rest is padding.</param>
internal sealed record SequenceTensors(Tensor Ids, Tensor Inputs, Tensor Targets, Tensor Mask, Tensor OldLogProbs, Tensor Advantages, int SharedPrefix, int[] InputLengths)
{
    /// <summary>The logits [B, T−1, V] of <see cref="Inputs"/>, running the rows' shared prefix once (and packing rows of mixed lengths when that is cheaper).</summary>
    public Tensor Logits(CausalTransformer model) => model.ForwardSharedPrefix(Inputs, SharedPrefix, InputLengths);

    public static SequenceTensors Build(IReadOnlyList<TrainingSample> rows, int padId, Device device)
    {
        var b = rows.Count;
        var t = Math.Max(2, rows.Max(r => r.Sequence.Length));
        var ids = new long[b * t];
        var mask = new float[b * (t - 1)];
        var old = new float[b * (t - 1)];
        var advantages = new float[b];
        Array.Fill(ids, padId);
        for (var i = 0; i < b; i++)
        {
            var s = rows[i].Sequence;
            advantages[i] = (float)rows[i].Advantage;
            for (var j = 0; j < s.Length; j++) ids[i * t + j] = s.TokenIds[j];
            for (var j = 1; j < s.Length; j++)
            {
                mask[i * (t - 1) + j - 1] = rows[i].InLoss && s.LossMask[j] ? 1f : 0f;
                old[i * (t - 1) + j - 1] = s.OldLogProbs[j];
            }
        }
        var idTensor = tensor(ids, [b, t], device: device);
        var shared = SharedPrefixLength(rows, t - 1);
        return new SequenceTensors(idTensor, idTensor.narrow(1, 0, t - 1), idTensor.narrow(1, 1, t - 1),
            tensor(mask, [b, t - 1], device: device), tensor(old, [b, t - 1], device: device), tensor(advantages, device: device),
            shared, [.. rows.Select(r => Math.Max(shared, r.Sequence.Length - 1))]);
    }

    /// <summary>The leading tokens all rows share (an agent's system prompt), at most the input width <paramref name="inputs"/>.</summary>
    internal static int SharedPrefixLength(IReadOnlyList<TrainingSample> rows, int inputs) =>
        CommonPrefix.Length([.. rows.Select(r => (IReadOnlyList<int>)r.Sequence.TokenIds)], inputs);
}
