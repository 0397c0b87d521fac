using Forge.Host.Registry;

namespace Forge.Host.Checking;

/// <summary>
/// Checks that a registered environment keeps the environment contract — more than Gymnasium's <c>check_env</c>:
/// tasks and reset, tool schemas (JSON Schema draft 2020-12), same seed ⇒ identical episode, rewards within the declared
/// range in graded and binary mode, the solver succeeds, the registered agent programs can start, step after done throws, limits truncate, hostile actions
/// (garbage, broken tool JSON, unknown tools, 1 MB messages, wrong roles, …) are answered, dispose works.
/// Each check is reported by name (<see cref="CheckNames"/>).
/// </summary>
public static class EnvironmentChecker
{
    /// <summary>Runs every check on <paramref name="environment"/>. Failures are reported, never thrown.</summary>
    public static Task<CheckReport> CheckAsync(RegisteredEnvironment environment, CheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options ??= new CheckOptions();
        options.Validate();
        return new CheckRun(environment, options, cancellationToken).RunAsync();
    }
}
