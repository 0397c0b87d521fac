using System.Collections.Concurrent;
using System.Threading.Channels;
using Forge.Core;
using Forge.Host;
using Microsoft.Extensions.Logging;

namespace Forge.Cluster.Dispatch;

public sealed partial class ClusterDispatcher
{
    /// <summary>One dispatch of an episode.</summary>
    private sealed record Attempt(EpisodeRequest Request, int Number);

    /// <summary>
    /// One run's dispatch: a feeder moves requests into the work queue, where retries join them; each worker has one loop
    /// per slot taking work from the queue. The run ends when the requests are exhausted and no episode is outstanding
    /// (or, once cancelled, when none is in flight).
    /// </summary>
    private sealed class DispatchRun(ClusterDispatcher owner, ChannelReader<EpisodeRequest> requests, CancellationToken cancellation)
    {
        private readonly Channel<Attempt> _work = Channel.CreateUnbounded<Attempt>();
        private readonly HashSet<string> _delivered = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, EpisodeRequest> _outstandingRequests = new(StringComparer.Ordinal);
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _end = new();
        private readonly ConcurrentDictionary<string, byte> _linking = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _refused = new(StringComparer.Ordinal);   // workers whose last prepare failed
        private readonly ConcurrentDictionary<Attempt, InFlight> _inFlightAttempts = new();

        /// <summary>An attempt being waited for: on which worker, since when, and how to give it up.</summary>
        private sealed record InFlight(WorkerLink Link, long Started, CancellationTokenSource Abandon);

        /// <summary>How long a call may be on its way before the worker is expected to know of it.</summary>
        private static readonly TimeSpan InTransit = TimeSpan.FromSeconds(3);
        private int _outstanding, _inFlight;
        private long _lastLoss;   // timestamp of the last worker lost
        private volatile bool _fed;
        private volatile string? _lastRefusal;   // why a worker last could not prepare the run
        private readonly ConcurrentDictionary<IClusterClient, ITurnSource> _turnSources = new();   // the driver's agent, as each client's workers reach it
        private Exception? _feederFailure;

        public Channel<Trajectory> Delivered { get; } = Channel.CreateBounded<Trajectory>(new BoundedChannelOptions(256) { SingleReader = true });

        public async Task ExecuteAsync()
        {
            using var registration = cancellation.Register(CheckFinished);
            var turns = owner._driverAgent is { } agent ? new TurnServer(agent, _outstandingRequests) : null;
            var feeder = Task.Run(FeedAsync, CancellationToken.None);
            var watcher = Task.Run(() => WatchWorkersAsync(turns), CancellationToken.None);
            try
            {
                await _finished.Task.ConfigureAwait(false);
            }
            finally
            {
                await _end.CancelAsync().ConfigureAwait(false);
                _work.Writer.TryComplete();
                await feeder.ConfigureAwait(false);
                await watcher.ConfigureAwait(false);
                foreach (var link in owner._workers.Values) link.Close();
                await Task.WhenAll(owner._workers.Values.SelectMany(w => { lock (w.Loops) return w.Loops.ToArray(); })).ConfigureAwait(false);
                await ReleaseAsync().ConfigureAwait(false);
                foreach (var (client, reference) in _turnSources)
                {
                    try { client.DeleteObjectReference<ITurnSource>(reference); }
                    catch (ObjectDisposedException) { }   // the connection to a worker that left is already closed
                }
                _end.Dispose();
            }
            if (_feederFailure is not null) throw _feederFailure;
        }

        /// <summary>Tells every worker still there that the run is over, so it removes the run's sandboxes now.</summary>
        private async Task ReleaseAsync()
        {
            var releases = owner._workers.Values.Where(w => !w.IsLost).Select(async w =>
            {
                try
                {
                    await w.Grain.ReleaseAsync(owner._spec.RunKey).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    owner._logger.LogWarning("Worker {Worker} did not release run {Run}: {Message}", w.Address, owner._spec.RunKey, e.Message);
                }
            });
            await Task.WhenAll(releases).ConfigureAwait(false);
        }

        private async Task FeedAsync()
        {
            try
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, _end.Token);
                await foreach (var request in requests.ReadAllAsync(stop.Token).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref _outstanding);
                    _outstandingRequests[request.EpisodeId] = request;
                    _work.Writer.TryWrite(new Attempt(request, 1));
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested || _end.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _feederFailure = e;
                _finished.TrySetResult();
            }
            _fed = true;
            CheckFinished();
        }

        private void CheckFinished()
        {
            if ((_fed && Volatile.Read(ref _outstanding) == 0) || (cancellation.IsCancellationRequested && Volatile.Read(ref _inFlight) == 0))
                _finished.TrySetResult();
        }

        /// <summary>Follows the cluster's membership: links workers that joined, loses those that left; fails the run when none is left for long.</summary>
        private async Task WatchWorkersAsync(TurnServer? turns)
        {
            var alone = owner._time.GetTimestamp();
            while (!_end.IsCancellationRequested)
            {
                try
                {
                    var active = await owner._connection.ActiveWorkersAsync().WaitAsync(TimeSpan.FromSeconds(5), _end.Token).ConfigureAwait(false);
                    foreach (var link in owner._workers.Values)
                        if (!link.IsLost && !active.Contains(link.Address))
                        {
                            owner._logger.LogWarning("Worker {Worker} left the cluster; its in-flight episodes go elsewhere.", link.Address);
                            Volatile.Write(ref _lastLoss, owner._time.GetTimestamp());
                            link.Lose();
                            owner._connection.ForgetDirect(link.Address);
                        }
                    await FindLostCallsAsync().ConfigureAwait(false);
                    // Each new worker is linked on its own: one that hangs (stopped, partitioned) holds up no other.
                    foreach (var address in active)
                        if (!owner._workers.ContainsKey(address) && _linking.TryAdd(address, 0))
                            _ = Task.Run(async () =>
                            {
                                try { await LinkAsync(address, turns).ConfigureAwait(false); }
                                finally { _linking.TryRemove(address, out _); }
                            }, CancellationToken.None);
                }
                catch (OperationCanceledException) when (_end.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    owner._logger.LogWarning("Reading the cluster's membership failed: {Message}", e.Message);
                }
                // A worker being prepared for the first time (bounded by the prepare call's own timeout) may yet take episodes:
                // on a busy machine preparing can take longer than the grace, and the run must not fail before its first
                // episode. A worker that refused before is asked again, but is no reason to wait.
                if (owner._workers.Values.Any(w => !w.Stopping.IsCancellationRequested) || _linking.Keys.Any(a => !_refused.ContainsKey(a)))
                    alone = owner._time.GetTimestamp();
                else if (owner._time.GetElapsedTime(alone) > owner.Options.Grace)
                {
                    _feederFailure ??= new ClusterUnavailableException($"no worker of cluster `{owner.Options.ClusterId}` has been able to take episodes for {owner.Options.Grace.TotalSeconds:0} s; {Volatile.Read(ref _outstanding)} episodes were not run{(_lastRefusal is { } why ? $" ({why})" : "")}");
                    _finished.TrySetResult();
                    return;
                }
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), owner._time, _end.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        /// <summary>
        /// Asks each worker which of this run's episodes it is running; an attempt it doesn't know of, long after it was
        /// sent, was lost on the way or its answer was (a gateway that died carried it), and is given up to run again.
        /// </summary>
        private async Task FindLostCallsAsync()
        {
            var checks = owner._workers.Values.Where(w => !w.IsLost).Select(async link =>
            {
                var waiting = _inFlightAttempts.Where(a => a.Value.Link == link && owner._time.GetElapsedTime(a.Value.Started) > InTransit).ToList();
                if (waiting.Count == 0) return;
                string[] running;
                try
                {
                    running = await link.Grain.RunningAsync(owner._spec.RunKey).WaitAsync(TimeSpan.FromSeconds(5), _end.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return;   // no answer now: the deadlines and the membership still cover it
                }
                var known = running.ToHashSet(StringComparer.Ordinal);
                foreach (var (attempt, inFlight) in waiting)
                    if (!known.Contains(attempt.Request.EpisodeId) && _inFlightAttempts.ContainsKey(attempt)) inFlight.Abandon.Cancel();
            });
            await Task.WhenAll(checks).ConfigureAwait(false);
        }

        private async Task LinkAsync(string address, TurnServer? turnServer)
        {
            WorkerInfo info;   // drains are per run: a worker another run drained still takes this one's episodes
            IEpisodeWorker grain;
            ITurnSource? turns;
            try
            {
                var via = await ConnectionToAsync(address).ConfigureAwait(false);
                grain = via.Worker(address);
                turns = turnServer is null ? null : _turnSources.GetOrAdd(via.Client, c => c.CreateObjectReference<ITurnSource>(turnServer));
                await grain.PrepareAsync(owner._spec).WaitAsync(TimeSpan.FromSeconds(60), _end.Token).ConfigureAwait(false);
                info = await grain.DescribeAsync().WaitAsync(TimeSpan.FromSeconds(10), _end.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                if (_end.IsCancellationRequested) return;
                _lastRefusal = $"worker {address} could not prepare the run: {e.Message}";
                if (_refused.TryAdd(address, 0)) owner._logger.LogWarning("Worker {Worker} could not prepare the run: {Message}", address, e.Message);
                return;   // tried again at the next look at the membership (said once)
            }
            if (_end.IsCancellationRequested) return;
            var link = new WorkerLink(address, grain, Math.Min(info.Capacity, owner.Options.InFlightPerWorker));
            if (!owner._workers.TryAdd(address, link)) { link.Dispose(); return; }
            lock (link.Loops)
                for (var slot = 0; slot < link.Slots && !_end.IsCancellationRequested; slot++)
                    link.Loops.Add(Task.Run(() => DispatchLoopAsync(link, turns), CancellationToken.None));
        }

        /// <summary>The connection straight to the worker's own gateway; the cluster's client when that can't be made.</summary>
        private async Task<ClusterConnection> ConnectionToAsync(string address)
        {
            try
            {
                var gateways = await owner._connection.GatewaysAsync().WaitAsync(TimeSpan.FromSeconds(10), _end.Token).ConfigureAwait(false);
                if (gateways.TryGetValue(address, out var gateway))
                    return await owner._connection.DirectAsync(address, gateway, _end.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_end.IsCancellationRequested)
            {
                owner._logger.LogWarning("Worker {Worker}'s gateway can't be reached directly ({Message}); its episodes go through the cluster's gateways.", address, e.Message);
            }
            return owner._connection;
        }

        private async Task DispatchLoopAsync(WorkerLink link, ITurnSource? turns)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(link.Stopping, cancellation, _end.Token);
            while (true)
            {
                Attempt attempt;
                try
                {
                    attempt = await _work.Reader.ReadAsync(stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
                {
                    return;
                }
                await RunAttemptAsync(link, attempt, turns).ConfigureAwait(false);
            }
        }

        private async Task RunAttemptAsync(WorkerLink link, Attempt attempt, ITurnSource? turns)
        {
            Interlocked.Increment(ref _inFlight);
            link.Started();
            var request = attempt.Request;
            var started = owner._time.GetTimestamp();
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(link.Lost);
            _inFlightAttempts[attempt] = new InFlight(link, started, abandon);
            try
            {
                var deadline = request.Limits.EpisodeTimeout + owner.Options.Grace;
                // Cancelling the run cancels the call: the worker ends the episode as cancelled and returns it.
                var call = link.Grain.RunEpisodeAsync(owner._spec.RunKey, WireFormat.Work(request, attempt.Number, owner._spec.Seed), turns, cancellation);
                var bytes = await call.WaitAsync(deadline, owner._time, abandon.Token).ConfigureAwait(false);
                var trajectory = WireFormat.Decode<Trajectory>(bytes, "trajectory");
                owner.Overhead.Add(owner._time.GetElapsedTime(started).TotalMilliseconds, trajectory.DurationMs);
                link.Succeeded();
                await DeliverAsync(trajectory).ConfigureAwait(false);
            }
            catch (Exception) when (cancellation.IsCancellationRequested)
            {
                // The run was stopped while the episode ran: cancelled, as in one process (a resumed run runs it again).
                link.Failed(blameWorker: false);
                var cancelled = FailedEpisode.Cancelled(request, owner._spec.RunId, owner._time.GetUtcNow());
                await DeliverAsync(cancelled with { Provenance = new Provenance { Worker = link.Address, Attempts = attempt.Number } }).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A call that timed out while another worker was being lost may have waited on that worker (it can be the
                // gateway the call went through): not a sign against this one.
                var lostInTransit = e is OperationCanceledException && !link.IsLost;
                var inARow = link.Failed(blameWorker: !lostInTransit && !(e is TimeoutException && Volatile.Read(ref _lastLoss) > started));
                var why = e is OperationCanceledException && link.IsLost ? "the worker left the cluster"
                    : lostInTransit ? "the worker never had it, or its answer was lost (a gateway on the way died)"
                    : e is TimeoutException ? $"no answer within the episode timeout plus {owner.Options.Grace.TotalSeconds:0} s"
                    : $"{e.GetType().Name}: {e.Message}";
                owner._logger.LogWarning("Episode {EpisodeId} (attempt {Attempt}) failed on worker {Worker}: {Why}", request.EpisodeId, attempt.Number, link.Address, why);
                if (inARow >= owner.Options.DrainAfterFailures && !link.IsLost)
                {
                    link.Drain($"{inARow} failed episodes in a row, the last: {why}");
                    _ = link.Grain.DrainAsync(owner._spec.RunKey, link.DrainedBecause!).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(t => t.Exception, TaskScheduler.Default);
                }
                if (attempt.Number >= owner.Options.MaxAttempts)
                {
                    var failed = FailedEpisode.Of(request, owner._spec.RunId, ErrorBoundary.Host, "WorkerLost",
                        $"dispatched {attempt.Number} time(s); the last attempt, on worker {link.Address}, failed: {why}", owner._time.GetUtcNow());
                    await DeliverAsync(failed with { Provenance = new Provenance { Worker = link.Address, Attempts = attempt.Number } }).ConfigureAwait(false);
                }
                else _work.Writer.TryWrite(attempt with { Number = attempt.Number + 1 });
            }
            finally
            {
                _inFlightAttempts.TryRemove(attempt, out _);
                Interlocked.Decrement(ref _inFlight);
                CheckFinished();
            }
        }

        /// <summary>Delivers the first trajectory of each episode; a late answer of an attempt given up on is dropped.</summary>
        private async ValueTask DeliverAsync(Trajectory trajectory)
        {
            lock (_delivered)
                if (!_delivered.Add(trajectory.EpisodeId)) return;
            _outstandingRequests.TryRemove(trajectory.EpisodeId, out _);
            await Delivered.Writer.WriteAsync(trajectory, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Decrement(ref _outstanding);
        }
    }
}
