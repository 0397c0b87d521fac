using System.Threading.Channels;
using Forge.Core;
using Microsoft.Extensions.Logging;

namespace Forge.Host;

/// <summary>
/// The consuming end of a run: hands each finished trajectory to every sink in completion order and counts it in the
/// run's summary; a sink that throws receives nothing more (its failure is a sink error of the run); at the end every sink
/// is completed. Shared by the in-process engine and the cluster dispatcher, so that both deliver alike.
/// </summary>
internal sealed class TrajectoryFanOut(IReadOnlyList<ITrajectorySink> sinks, RunSummaryBuilder summary, ILogger logger)
{
    private readonly bool[] _failed = new bool[sinks.Count];

    /// <summary>Delivers every trajectory read from <paramref name="trajectories"/> until the channel completes.</summary>
    public async Task ConsumeAsync(ChannelReader<Trajectory> trajectories)
    {
        await foreach (var trajectory in trajectories.ReadAllAsync().ConfigureAwait(false))
            await DeliverAsync(trajectory).ConfigureAwait(false);
    }

    /// <summary>Delivers one trajectory. Not thread-safe: one caller at a time.</summary>
    public async ValueTask DeliverAsync(Trajectory trajectory)
    {
        summary.Add(trajectory);
        for (var i = 0; i < sinks.Count; i++)
        {
            if (_failed[i]) continue;
            try
            {
                await sinks[i].OnTrajectoryAsync(trajectory, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _failed[i] = true;
                var message = $"{sinks[i].GetType().Name} failed on episode {trajectory.EpisodeId} and receives no more trajectories: {e.Message}";
                logger.LogError(e, "{Message}", message);
                summary.AddSinkError(message);
            }
        }
    }

    /// <summary>Completes every sink; a sink that fails to complete is a sink error of the run.</summary>
    public async Task CompleteAsync()
    {
        foreach (var sink in sinks)
        {
            try
            {
                await sink.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                var message = $"{sink.GetType().Name} failed to complete: {e.Message}";
                logger.LogError(e, "{Message}", message);
                summary.AddSinkError(message);
            }
        }
    }
}
