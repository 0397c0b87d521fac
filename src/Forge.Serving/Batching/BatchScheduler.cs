using System.Collections.Concurrent;
using Forge.Serving.Policy;
using Forge.Training.Generation;
using Forge.Training.Model;
using TorchSharp;

namespace Forge.Serving.Batching;

/// <summary>
/// The one thread that touches the model: a loop that, between two decode steps, swaps in new weights when asked, drops
/// rows whose client went away, admits waiting rows while the batch has room (each joins at the next step; while a burst
/// of requests is arriving they are held back briefly, <see cref="AdmissionWindow"/>, so that the burst is prefilled
/// together), then runs one <see cref="DecodeBatch.Step"/> and hands every row its token. Requests wait in a bounded
/// queue; a full queue refuses at once (the server answers 429).
/// </summary>
internal sealed class BatchScheduler : IDisposable
{
    private readonly ServedPolicy _policy;
    private readonly DecodeBatch _batch;
    private readonly int _maxQueue;
    private readonly ConcurrentQueue<CompletionRow> _waiting = new();
    private readonly List<CompletionRow> _running = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly Lock _admission = new();
    private readonly AdmissionWindow _window;
    private readonly int? _threads;
    private volatile bool _stopping;
    private int _queued;
    private int _runningCount;
    private (CausalTransformer Weights, long Version, IDisposable? Owner, TaskCompletionSource<long> Done)? _reload;
    private long _version;
    private long _steps, _tokens;

    /// <summary>Starts the decode loop on a thread of its own, running libtorch with <paramref name="threads"/> intra-op threads (null = the process's).</summary>
    public BatchScheduler(ServedPolicy policy, int maxBatch, int maxQueue, int capacity, int? threads = null, AdmissionWindow? window = null)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "the decode loop needs at least one thread.");
        _threads = threads;
        _policy = policy;
        _window = window ?? AdmissionWindow.Default(TimeProvider.System);
        _maxQueue = maxQueue;
        _version = policy.Version;
        _batch = new DecodeBatch(policy.Model, maxBatch, capacity);
        var processDefault = torch.get_num_threads();
        using var threadsSet = new ManualResetEventSlim();
        _thread = new Thread(() => Loop(threadsSet)) { IsBackground = true, Name = "forge-serve-decode" };
        _thread.Start();
        threadsSet.Wait();
        // Setting a thread's count also sets the one threads take on their first libtorch call: put that back.
        torch.set_num_threads(processDefault);
    }

    /// <summary>The version of the weights decoding now.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The libtorch intra-op threads the decode loop runs with.</summary>
    public int LoopThreads { get; private set; }

    /// <summary>Rows decoding now.</summary>
    public int Running
    {
        get => Volatile.Read(ref _runningCount);
        private set => Volatile.Write(ref _runningCount, value);
    }

    /// <summary>Rows waiting to join.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Decode steps run and tokens generated since the start.</summary>
    public (long Steps, long Tokens) Counts => (Interlocked.Read(ref _steps), Interlocked.Read(ref _tokens));

    /// <summary>
    /// Queues all of <paramref name="rows"/> (one request's choices), or none when the queue would pass its limit. Rows
    /// the batch has room for don't count against it: they wait only while a burst arrives (<see cref="AdmissionWindow"/>).
    /// </summary>
    public bool TryEnqueue(IReadOnlyList<CompletionRow> rows)
    {
        lock (_admission)
        {
            var room = Math.Max(0, _batch.MaxRows - Running);
            if (_queued + rows.Count > _maxQueue + room) return false;
            _queued += rows.Count;
            _window.Queued();   // before the rows are visible to the loop, which may take them at once
            foreach (var row in rows) _waiting.Enqueue(row);
        }
        _wake.Release();
        return true;
    }

    /// <summary>Says a request is being read; dispose the result once its rows are queued (or it was refused).</summary>
    public IDisposable BeginReading() => _window.BeginReading();

    /// <summary>Wakes the loop (a row was stopped).</summary>
    public void Nudge() => _wake.Release();

    /// <summary>Copies <paramref name="next"/>'s weights in between two decode steps; returns the new version. Disposes <paramref name="next"/>.</summary>
    public Task<long> ReloadAsync(ServedPolicy next) => ReloadAsync(next.Model, next.Version, next);

    /// <summary>Copies <paramref name="weights"/> (same shape) in between two decode steps and serves them as <paramref name="version"/>; disposes <paramref name="owner"/> after.</summary>
    public Task<long> ReloadAsync(CausalTransformer weights, long version, IDisposable? owner = null)
    {
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_admission)
        {
            if (_reload is not null) throw new InvalidOperationException("a reload is already under way.");
            _reload = (weights, version, owner, done);
        }
        _wake.Release();
        return done.Task;
    }

    private void Loop(ManualResetEventSlim threadsSet)
    {
        // libtorch sizes each op's thread team by the calling thread's own setting: this thread's first call takes the
        // process-wide one, then it sets its own.
        _ = torch.get_num_threads();
        if (_threads is { } threads) torch.set_num_threads(threads);
        LoopThreads = torch.get_num_threads();
        threadsSet.Set();
        while (!_stopping)
        {
            try
            {
                SwapWeights();
                DropStopped();
                var hold = _window.HoldBack(Queued, _batch.MaxRows - _batch.Count);
                if (hold == TimeSpan.Zero) Admit();
                Running = _running.Count;
                if (_running.Count == 0)
                {
                    _wake.Wait(hold > TimeSpan.Zero ? hold : TimeSpan.FromMilliseconds(200));
                    continue;
                }
                var produced = _batch.Step();
                Interlocked.Increment(ref _steps);
                Interlocked.Add(ref _tokens, produced.Count);
                var byRow = _running.ToDictionary(r => r.Row!);
                foreach (var (decoded, token) in produced)
                {
                    var row = byRow[decoded];
                    row.Publish(token);
                    if (decoded.Finished is { } reason)
                    {
                        row.Finish(reason);
                        _running.Remove(row);
                    }
                }
            }
            catch (Exception e)
            {
                // A failed step fails the rows in it; the server goes on with the next requests.
                foreach (var row in _running)
                {
                    if (row.Row is not null) _batch.Remove(row.Row);
                    row.Fail(e);
                }
                _running.Clear();
            }
        }
    }

    private void SwapWeights()
    {
        (CausalTransformer Weights, long Version, IDisposable? Owner, TaskCompletionSource<long> Done)? reload;
        lock (_admission)
        {
            reload = _reload;
            _reload = null;
        }
        if (reload is not { } r) return;
        try
        {
            _policy.Model.CopyWeightsFrom(r.Weights);
            Interlocked.Exchange(ref _version, r.Version);
            r.Done.TrySetResult(r.Version);
        }
        catch (Exception e)
        {
            r.Done.TrySetException(e);
        }
        finally
        {
            r.Owner?.Dispose();
        }
    }

    private void DropStopped()
    {
        foreach (var row in _running.Where(r => r.IsStopped).ToList())
        {
            _batch.Remove(row.Row!);
            _running.Remove(row);
            row.Finish(FinishReason.Stop);
        }
    }

    // The rows waiting now join together: their prompts are prefilled in one forward pass. When that fails (a request
    // the batch rejects), each is added alone, so that only the bad one fails.
    private void Admit()
    {
        var joining = new List<CompletionRow>();
        var stopped = new List<CompletionRow>();
        lock (_admission)   // TryEnqueue sees the rows leave the queue and take their place in the batch at once
        {
            while (_batch.Count + joining.Count < _batch.MaxRows && _waiting.TryDequeue(out var row))
            {
                Interlocked.Decrement(ref _queued);
                (row.IsStopped ? stopped : joining).Add(row);
            }
            Running = _running.Count + joining.Count;
            // Under the lock TryEnqueue queues under: outside it, a row queued between the check and this call would lose
            // its wait's start, and join alone at once instead of with its burst.
            if (_waiting.IsEmpty) _window.Drained();
        }
        foreach (var row in stopped) row.Finish(FinishReason.Stop);
        if (joining.Count == 0) return;
        try
        {
            var added = _batch.AddRange([.. joining.Select(r => r.Request)]);
            for (var i = 0; i < joining.Count; i++) Join(joining[i], added[i]);
        }
        catch (Exception) when (joining.Count > 1)
        {
            foreach (var row in joining) AdmitAlone(row);
        }
        catch (Exception e)
        {
            joining[0].Fail(e);
        }
    }

    private void AdmitAlone(CompletionRow row)
    {
        try
        {
            Join(row, _batch.Add(row.Request));
        }
        catch (Exception e)
        {
            row.Fail(e);
        }
    }

    private void Join(CompletionRow row, DecodeRow decodeRow)
    {
        row.Row = decodeRow;
        row.Version = Version;
        _running.Add(row);
    }

    /// <summary>Stops the loop and fails what is still queued or running.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Release();
        _thread.Join();
        var error = new OperationCanceledException("the server is shutting down.");
        foreach (var row in _running) row.Fail(error);
        while (_waiting.TryDequeue(out var row)) row.Fail(error);
        _batch.Dispose();
        _wake.Dispose();
    }
}
