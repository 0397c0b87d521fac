using Forge.Core;

namespace Forge.Host;

/// <summary>The trajectory of an episode that never ran to its end in the driver (a host bug, a worker lost on every attempt): errored, no steps.</summary>
internal static class FailedEpisode
{
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
