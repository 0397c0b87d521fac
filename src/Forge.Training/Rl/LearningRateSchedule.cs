namespace Forge.Training.Rl;

/// <summary>How the learning rate moves after the warm-up (verl's <c>lr_scheduler_type</c>).</summary>
public enum LearningRateDecay
{
    /// <summary>It stays at <c>learning_rate</c>.</summary>
    Constant,

    /// <summary>It falls along a straight line to <c>min_lr_ratio</c> × <c>learning_rate</c> at the last update.</summary>
    Linear,

    /// <summary>It falls along a half cosine to <c>min_lr_ratio</c> × <c>learning_rate</c> at the last update.</summary>
    Cosine,
}

/// <summary>
/// The learning rate of each policy update: a linear warm-up over the first <c>warmup_updates</c>, then constant or a
/// decay that reaches <c>min_lr_ratio</c> × <c>learning_rate</c> at the last update of the run.
/// </summary>
/// <param name="Peak">The learning rate after the warm-up.</param>
/// <param name="WarmupUpdates">Updates over which the rate rises linearly to <paramref name="Peak"/>.</param>
/// <param name="Decay">What happens after the warm-up.</param>
/// <param name="MinRatio">The share of <paramref name="Peak"/> the decay ends at.</param>
/// <param name="FirstVersion">The policy version the run's first update starts from (0, or the version a resumed run loaded).</param>
/// <param name="LastVersion">The policy version the run's last update starts from (first version + updates − 1).</param>
public sealed record LearningRateSchedule(double Peak, int WarmupUpdates, LearningRateDecay Decay, double MinRatio, int FirstVersion, int LastVersion)
{
    /// <summary>The schedule <paramref name="options"/> describe, for a run of <c>updates</c> updates starting at <paramref name="firstVersion"/>.</summary>
    public static LearningRateSchedule For(TrainerOptions options, int firstVersion = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.LearningRate, options.WarmupUpdates, options.LrSchedule, options.MinLrRatio, firstVersion, firstVersion + options.Updates - 1);
    }

    /// <summary>
    /// The learning rate of the update that starts from policy version <paramref name="version"/>. The warm-up counts from
    /// version 0 (a resumed run with restored optimizer state doesn't warm up again); the decay spans this run's updates.
    /// </summary>
    public double At(int version)
    {
        if (version < WarmupUpdates) return Peak * (version + 1.0) / (WarmupUpdates + 1.0);
        if (Decay == LearningRateDecay.Constant) return Peak;
        var start = Math.Max(WarmupUpdates, FirstVersion);
        var span = LastVersion - start;
        var progress = span <= 0 ? 1.0 : Math.Clamp((version - start) / (double)span, 0, 1);
        var remaining = Decay == LearningRateDecay.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
        return Peak * (MinRatio + (1 - MinRatio) * remaining);
    }
}
