namespace Forge.Training.Rl;

/// <summary>One sequence of an update: its tokens and masks, its advantage, and whether its tokens enter the loss.</summary>
/// <param name="Sequence">The encoded conversation.</param>
/// <param name="Advantage">Â, broadcast to every policy token.</param>
/// <param name="InLoss">False for a truncated episode under <see cref="TruncatedEpisodes.Mask"/>.</param>
public sealed record TrainingSample(EncodedConversation Sequence, double Advantage, bool InLoss = true);

/// <summary>What one policy update did, for the metrics file and the console.</summary>
public sealed record UpdateStats
{
    /// <summary>Sequences in the update.</summary>
    public int Sequences { get; init; }

    /// <summary>Policy tokens trained on.</summary>
    public double PolicyTokens { get; init; }

    /// <summary>All tokens forwarded (context and padding included).</summary>
    public long ForwardTokens { get; init; }

    /// <summary>The loss, summed over micro-batches (each is already normalised batch-wide).</summary>
    public double Loss { get; init; }

    /// <summary>Mean entropy (nats) of the policy over policy tokens.</summary>
    public double Entropy { get; init; }

    /// <summary>Share of policy tokens whose ratio was clipped.</summary>
    public double ClipFraction { get; init; }

    /// <summary>Mean ½(log ρ)²: how far the policy moved from the sampling policy.</summary>
    public double ApproxKl { get; init; }

    /// <summary>Mean k3 KL to the reference policy (0 when β = 0).</summary>
    public double RefKl { get; init; }

    /// <summary>Global gradient norm before clipping (last epoch).</summary>
    public double GradNorm { get; init; }

    /// <summary>Learning rate used.</summary>
    public double LearningRate { get; init; }

    /// <summary>Micro-batches run (per epoch).</summary>
    public int MicroBatches { get; init; }

    /// <summary>Wall time of the update, in seconds.</summary>
    public double Seconds { get; init; }
}
