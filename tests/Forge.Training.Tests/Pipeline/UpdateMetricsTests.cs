using Forge.Core;
using Forge.Training.Pipeline;

namespace Forge.Training.Tests.Pipeline;

public sealed class UpdateMetricsTests
{
    private static Trajectory Episode(string id, Termination termination, EpisodeError? error = null, double reward = 0) => new()
    {
        EpisodeId = id, EnvironmentId = "game/vault", TaskId = "t", Termination = termination, Error = error, TotalReward = reward,
    };

    [Fact]
    public void Errors_CountsErroredEpisodesAndReportsTheFirst()
    {
        Trajectory[] episodes =
        [
            Episode("a", Termination.Terminated, reward: 1),
            Episode("b", Termination.Errored, new EpisodeError(ErrorBoundary.Agent, "ExternalException", "Expected a 'cuda' device type for generator")),
            Episode("c", Termination.Truncated),
            Episode("d", Termination.Errored, new EpisodeError(ErrorBoundary.Environment, "InvalidOperationException", "later")),
        ];

        var (count, first) = UpdateMetrics.Errors(episodes);

        Assert.Equal(2, count);
        Assert.Equal("agent/ExternalException: Expected a 'cuda' device type for generator", first);
    }

    [Fact]
    public void Errors_NoneErrored_ZeroAndNull()
    {
        var (count, first) = UpdateMetrics.Errors([Episode("a", Termination.Terminated), Episode("b", Termination.Truncated)]);

        Assert.Equal((0, (string?)null), (count, first));
    }
}
