namespace Forge.Training.Generation;

/// <summary>One sequence for a <see cref="DecodeBatch"/>: its prompt, how it is sampled and when it ends.</summary>
/// <param name="Prompt">Prompt token ids (at least one).</param>
/// <param name="StopTokens">The sequence ends after it samples any of these (the stop token is returned).</param>
/// <param name="MaxNewTokens">Most tokens generated (≥ 1); prompt + this must fit the batch's capacity and the model's context.</param>
/// <param name="Temperature">≤ 0 = greedy.</param>
/// <param name="TopP">Nucleus mass in (0, 1].</param>
/// <param name="Seed">The sequence's sampling seed: the same request draws the same tokens alone or beside any others.</param>
/// <param name="TopLogProbs">How many most likely alternatives to report per token (0 = none).</param>
public sealed record DecodeRequest(
    IReadOnlyList<int> Prompt, IReadOnlyCollection<int> StopTokens, int MaxNewTokens, double Temperature, double TopP, long Seed, int TopLogProbs = 0);

/// <summary>One generated token: its id, its log-prob (as <see cref="Sampling.TokenLogProbs"/> defines it) and the most likely alternatives.</summary>
/// <param name="Id">The token id.</param>
/// <param name="LogProb">Its log-probability at the sequence's temperature.</param>
/// <param name="Top">The <see cref="DecodeRequest.TopLogProbs"/> most likely ids and their log-probs, most likely first.</param>
public sealed record DecodedToken(int Id, float LogProb, IReadOnlyList<(int Id, float LogProb)> Top);

/// <summary>A sequence being decoded in a <see cref="DecodeBatch"/>.</summary>
public sealed class DecodeRow
{
    internal DecodeRow(DecodeRequest request, RowSampling sampling)
    {
        Request = request;
        Sampling = sampling;
    }

    /// <summary>What was asked.</summary>
    public DecodeRequest Request { get; }

    /// <summary>Tokens generated so far.</summary>
    public int Generated { get; internal set; }

    /// <summary>Why it ended; null while it runs.</summary>
    public FinishReason? Finished { get; internal set; }

    /// <summary>Whether it is still in its batch.</summary>
    public bool InBatch => Slot >= 0;

    internal RowSampling Sampling { get; }

    internal int Slot { get; set; } = -1;

    internal int Start { get; set; }   // the cache column of its first prompt token
}
