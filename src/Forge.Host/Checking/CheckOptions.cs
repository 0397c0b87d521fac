using Forge.Core;

namespace Forge.Host.Checking;

/// <summary>How thoroughly <see cref="EnvironmentChecker"/> exercises an environment.</summary>
public sealed class CheckOptions
{
    /// <summary>The seeds episodes are run with. Default 0, 1 and 2.</summary>
    public IReadOnlyList<int> Seeds { get; set; } = [0, 1, 2];

    /// <summary>How many tasks are tried per seed (each with the solver and the probe agent). Default 2.</summary>
    public int Episodes { get; set; } = 2;

    /// <summary>The longest one episode (or one hostile action) may take before its check fails. Default 30 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many whole episodes run at once (each on its own instance) in the determinism, reward-range and solver checks. Default: the processor count.</summary>
    public int Parallelism { get; set; } = System.Environment.ProcessorCount;

    /// <summary>Where sandboxes come from, for environments marked <see cref="RequiresSandboxAttribute"/>. Default none.</summary>
    public ISandboxProvider? Sandboxes { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid option.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Seeds is null || Seeds.Count == 0) errors.Add("seeds: give at least one seed");
        else if (Seeds.Distinct().Count() != Seeds.Count) errors.Add("seeds: each seed once");
        if (Episodes < 1) errors.Add($"episodes must be at least 1 (got {Episodes})");
        if (Parallelism < 1) errors.Add($"parallelism must be at least 1 (got {Parallelism})");
        if (Timeout <= TimeSpan.Zero) errors.Add($"timeout must be positive (got {Timeout.TotalSeconds} s)");
        if (errors.Count > 0) throw new ArgumentException($"Invalid check options: {string.Join("; ", errors)}.");
    }
}
