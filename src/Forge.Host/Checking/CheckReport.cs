namespace Forge.Host.Checking;

/// <summary>What <see cref="EnvironmentChecker"/> found: every check by name, in the order they ran.</summary>
public sealed record CheckReport(string EnvironmentId, string Version, IReadOnlyList<CheckResult> Checks)
{
    /// <summary>True when no check failed (skipped checks don't fail a report).</summary>
    public bool Passed => Checks.All(c => c.Status != CheckStatus.Failed);

    /// <summary>The checks that failed.</summary>
    public IEnumerable<CheckResult> Failures => Checks.Where(c => c.Status == CheckStatus.Failed);

    /// <summary>The check named <paramref name="name"/>; throws <see cref="KeyNotFoundException"/> when the report has none.</summary>
    public CheckResult this[string name] => Checks.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"The report has no check named '{name}'. Checks: {string.Join(", ", Checks.Select(c => c.Name))}.");
}

/// <summary>One named check: its outcome, what it saw and how long it took.</summary>
public sealed record CheckResult(string Name, CheckStatus Status, string Message, TimeSpan Duration);

/// <summary>The outcome of one check.</summary>
public enum CheckStatus
{
    /// <summary>The environment did what the contract asks.</summary>
    Passed,
    /// <summary>It didn't; the message says where and how.</summary>
    Failed,
    /// <summary>The check doesn't apply (for example no solver is declared); the message says why.</summary>
    Skipped,
}
