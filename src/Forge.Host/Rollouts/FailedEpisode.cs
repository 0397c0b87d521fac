using Forge.Core;

namespace Forge.Host;

/// <summary>
/// The trajectory of an episode whose own record never reached the driver: errored (a host bug, a worker lost on every
/// attempt) or cancelled (the run stopped while a worker ran it). No steps.
/// </summary>
internal static class FailedEpisode
{
    public static Trajectory Cancelled(EpisodeRequest request, string runId, DateTimeOffset startedAt) =>
        Of(request, runId, ErrorBoundary.Host, "", "", startedAt) with { Termination = Termination.Cancelled, Error = null };

    public static Trajectory Of(EpisodeRequest request, string runId, ErrorBoundary boundary, string type, string message, DateTimeOffset startedAt) => new()
    {
        EpisodeId = request.EpisodeId,
        RunId = runId,
        GroupId = request.GroupId,
        EnvironmentId = request.EnvironmentId,
        TaskId = request.Task.Id,
        Seed = request.Seed,
        Termination = Termination.Errored,
        Error = new EpisodeError(boundary, type, message),
        StartedAt = startedAt,
    };
}
