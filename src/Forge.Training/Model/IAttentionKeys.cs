using static TorchSharp.torch;

namespace Forge.Training.Model;

/// <summary>Keys and values an attention layer sees before the current positions': a decoding cache, or a prefix shared by every row.</summary>
internal interface IAttentionKeys
{
    /// <summary>Takes this step's keys/values [B, KV, T, hd] of <paramref name="layer"/>; returns every key/value the step attends to [B, KV, S, hd].</summary>
    (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v);
}
