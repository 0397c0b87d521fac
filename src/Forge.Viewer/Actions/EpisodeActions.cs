using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Registry;

namespace Forge.Viewer.Actions;

/// <summary>The result of a rerun as the episode page shows it.</summary>
internal sealed record RerunView(string EpisodeId, string Environment, int StepsReplayed, bool Reproduced, int? DivergedAtStep, string? What,
    string? Recorded, string? Rerun, IReadOnlyList<string> Notes);

/// <summary>
/// What the episode page can do with an episode besides showing it: re-execute its recorded actions against the environment as
/// it is now and report the first divergence.
/// </summary>
internal sealed class EpisodeActions(string? registryPath)
{
    private EnvironmentRegistry? _registry;

    private EnvironmentRegistry Registry => _registry ??= EnvironmentRegistry.Load(registryPath ?? EnvironmentRegistry.DefaultPath);

    /// <summary>Re-executes <paramref name="recorded"/>; an environment that cannot be rerun here is an <see cref="ArgumentException"/> saying why.</summary>
    public async Task<RerunView> RerunAsync(Trajectory recorded, CancellationToken cancellationToken)
    {
        var environment = Registry.Get(recorded.EnvironmentId);
        if (environment.RequiresSandbox)
            throw new ArgumentException($"{environment.Id} runs in a sandbox; rerunning it from the viewer needs a sandbox, which this build does not provide yet.");
        var task = environment.FindTask(recorded.TaskId)
            ?? throw new ArgumentException($"Task `{recorded.TaskId}` is not among {environment.Id}'s tasks; a generated task needs the scenario's seed (forge replay --rerun --task-seed N).");
        var report = await TrajectoryRerunner.RerunAsync(recorded, environment.Create(), task, environment.Limits, environment.RewardMode,
            cancellationToken: cancellationToken);
        var d = report.Divergence;
        return new RerunView(E(report.EpisodeId), $"{E(environment.Id)} v{E(environment.Version)}", report.StepsReplayed, d is null, d?.Step,
            d?.What, d is null ? null : E(d.Recorded), d is null ? null : E(d.Rerun), [.. report.Notes.Select(E)]);
    }

    private static string E(string text) => DisplayText.Escape(text);
}
