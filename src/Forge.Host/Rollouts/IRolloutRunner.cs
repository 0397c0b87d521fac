using System.Threading.Channels;

namespace Forge.Host;

/// <summary>
/// Runs episodes and delivers every finished trajectory to the sinks: in this process (<see cref="RolloutEngine"/>) or
/// on a cluster of workers. Every episode that starts is delivered once, however it ends; the sinks are completed at the end.
/// </summary>
public interface IRolloutRunner
{
    /// <summary>
    /// Runs every request read from <paramref name="requests"/> until the channel completes or <paramref name="cancellationToken"/> is cancelled.
    /// Throws when the request channel fails; the episodes that ran are still delivered and the sinks completed first.
    /// </summary>
    Task<RunSummary> RunAsync(ChannelReader<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, CancellationToken cancellationToken);
}

/// <summary>Running a list of requests on any <see cref="IRolloutRunner"/>.</summary>
public static class RolloutRunnerExtensions
{
    /// <summary>Runs every request of <paramref name="requests"/>, ending when they are exhausted or <paramref name="cancellationToken"/> is cancelled.</summary>
    public static async Task<RunSummary> RunAsync(this IRolloutRunner runner, IEnumerable<EpisodeRequest> requests, IReadOnlyList<ITrajectorySink> sinks, int buffer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(requests);
        var channel = Channel.CreateBounded<EpisodeRequest>(new BoundedChannelOptions(Math.Max(64, buffer)) { SingleWriter = true });
        using var stopProducer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var request in requests)
                    await channel.Writer.WriteAsync(request, stopProducer.Token).ConfigureAwait(false);
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e is OperationCanceledException ? null : e);
            }
        }, CancellationToken.None);
        try
        {
            return await runner.RunAsync(channel.Reader, sinks, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The runner is done: a producer still waiting for room must not wait forever.
            await stopProducer.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }
}
