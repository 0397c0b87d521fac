namespace Forge.Cluster.Dispatch;

/// <summary>
/// The driver's view of one worker: its grain, how many episodes it may run for this driver at once, and what happened
/// to the episodes sent to it. Stopping (drained) ends its dispatch loops; losing it also abandons its in-flight episodes.
/// </summary>
internal sealed class WorkerLink(string address, IEpisodeWorker grain, int slots) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _lost = new();
    private int _inFlight, _done, _failures, _consecutiveFailures;

    public string Address { get; } = address;
    public IEpisodeWorker Grain { get; } = grain;
    public int Slots { get; } = slots;
    public List<Task> Loops { get; } = [];

    /// <summary>Cancelled when the worker takes no new episodes (drained or lost).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Cancelled when the worker left the cluster: its in-flight episodes are dispatched again.</summary>
    public CancellationToken Lost => _lost.Token;

    public string? DrainedBecause { get; private set; }
    public bool IsLost => _lost.IsCancellationRequested;

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Succeeded()
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _done);
        Interlocked.Exchange(ref _consecutiveFailures, 0);
    }

    /// <summary>Counts a failed attempt; returns the number of failures in a row (not counting those <paramref name="blameWorker"/> says are not its fault).</summary>
    public int Failed(bool blameWorker)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _failures);
        return blameWorker ? Interlocked.Increment(ref _consecutiveFailures) : Volatile.Read(ref _consecutiveFailures);
    }

    public void Drain(string reason)
    {
        DrainedBecause ??= reason;
        _stopping.Cancel();
    }

    /// <summary>The run is over: the loops end; the worker keeps the state it had.</summary>
    public void Close() => _stopping.Cancel();

    public void Lose()
    {
        _stopping.Cancel();
        _lost.Cancel();
    }

    public WorkerTally Tally() => new(Address, Slots, Volatile.Read(ref _inFlight), Volatile.Read(ref _done), Volatile.Read(ref _failures),
        IsLost ? "lost" : DrainedBecause is { } d ? $"drained: {d}" : "active");

    public void Dispose()
    {
        _stopping.Dispose();
        _lost.Dispose();
    }
}

/// <summary>What one worker did for a run, as the driver saw it.</summary>
/// <param name="Worker">The worker's address.</param>
/// <param name="Slots">Episodes the driver ran on it at once.</param>
/// <param name="InFlight">Episodes running on it now.</param>
/// <param name="Done">Episodes it returned.</param>
/// <param name="Failures">Dispatches that failed (worker lost, timed out, refused).</param>
/// <param name="State">active, drained (with why), or lost.</param>
public sealed record WorkerTally(string Worker, int Slots, int InFlight, int Done, int Failures, string State);
