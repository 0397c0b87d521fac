using System.Threading.Channels;
using Forge.Core;
using Microsoft.Extensions.Logging;

namespace Forge.Sandbox.Docker;

/// <summary>
/// Sandboxes made ahead of demand (for Docker: container started, Python driver running): <see cref="TryTake"/> hands
/// one out at once, and a few background workers refill the pool to its size, creating in parallel. A failed refill
/// (engine busy or down) is logged and retried with back-off. A sandbox handed back through <see cref="Return"/> (its
/// container reset for another episode) takes a place in the pool instead of a new one.
/// </summary>
internal sealed class ContainerPool<T> : IAsyncDisposable where T : class
{
    private readonly Channel<T> _ready = Channel.CreateUnbounded<T>();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _readyIds = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Func<CancellationToken, Task<T>> _create;
    private readonly Func<T, Task> _remove;
    private readonly Func<T, string> _id;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _filler;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, byte> _returning = new();
    private int _count;
    private int _creating;
    private int _out;
    private int _recycling;

    public ContainerPool(int size, Func<CancellationToken, Task<T>> create, Func<T, Task> remove, Func<T, string> id, ILogger logger)
    {
        _id = id;
        Size = size;
        _create = create;
        _remove = remove;
        _logger = logger;
        _filler = Task.WhenAll(Enumerable.Range(0, Math.Min(size, MaxParallelCreates)).Select(_ => Task.Run(FillAsync)));
    }

    /// <summary>Containers created at once while refilling (the engine serializes much of the work anyway).</summary>
    private const int MaxParallelCreates = 3;

    public int Size { get; }

    /// <summary>Containers ready now.</summary>
    public int Ready => Volatile.Read(ref _count);

    /// <summary>The ids of the containers waiting in the pool.</summary>
    public IReadOnlyCollection<string> ReadyIds => [.. _readyIds.Keys];

    /// <summary>A ready container, if there is one; the pool starts making its replacement.</summary>
    public bool TryTake(out T container)
    {
        if (!_ready.Reader.TryRead(out container!)) return false;
        _readyIds.TryRemove(_id(container), out _);
        Interlocked.Decrement(ref _count);
        if (Size > 0) _wake.Release();
        return true;
    }

    /// <summary>
    /// A ready sandbox; when none is ready but some are being reset, waits up to <paramref name="wait"/> for one of them
    /// (a reset costs the engine far less than a new container). Null when none came.
    /// </summary>
    public async ValueTask<T?> TakeAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (TryTake(out var ready)) return ready;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            while (Volatile.Read(ref _recycling) > 0 && await _ready.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                if (TryTake(out ready)) return ready;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // None came back in time.
        }
        return TryTake(out ready) ? ready : null;
    }

    /// <summary>
    /// Completes once the pool is full: <see cref="Size"/> containers ready or lent out, and none being reset (for
    /// benchmarks and tests).
    /// </summary>
    public async Task WaitFullAsync(CancellationToken cancellationToken)
    {
        while (Ready + Volatile.Read(ref _out) < Size || Volatile.Read(ref _recycling) > 0) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
    }

    private async Task FillAsync()
    {
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            // Sandboxes lent out count as coming back: none is created while one on its way back would fill the place.
            if (Interlocked.Increment(ref _creating) + Ready + Volatile.Read(ref _out) + Volatile.Read(ref _recycling) > Size)
            {
                Interlocked.Decrement(ref _creating);
                try { await _wake.WaitAsync(_stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            try
            {
                var container = await _create(_stop.Token).ConfigureAwait(false);
                _readyIds.TryAdd(_id(container), 0);
                if (!_ready.Writer.TryWrite(container) || _stop.IsCancellationRequested)
                {
                    _readyIds.TryRemove(_id(container), out _);
                    await _remove(container).ConfigureAwait(false);
                    return;
                }
                Interlocked.Increment(ref _count);
                failures = 0;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * Math.Pow(2, Math.Min(failures, 7))));
                _logger.LogWarning(e, "Refilling the Docker sandbox pool failed ({Failures} in a row); next try in {Delay}", failures, delay);
                try { await Task.Delay(delay, _stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
            finally
            {
                Interlocked.Decrement(ref _creating);
            }
        }
    }

    /// <summary>
    /// Counts a sandbox handed to an episode (from the pool or made for it) as coming back through <see cref="Return"/>;
    /// call it before taking or making the sandbox, and <see cref="Unlend"/> when making it failed.
    /// </summary>
    public void Lend() => Interlocked.Increment(ref _out);

    /// <summary>Undoes <see cref="Lend"/> for a sandbox that was never handed out.</summary>
    public void Unlend()
    {
        Interlocked.Decrement(ref _out);
        Wake();
    }

    /// <summary>
    /// Takes back a lent sandbox on its way to being reused: <paramref name="recycling"/> yields it ready for another
    /// episode, or null when it was discarded. Ready, it waits in the pool (or is removed when the pool is already full);
    /// until then it still counts as coming, so no container is created in its place; discarded, the pool makes a new one.
    /// </summary>
    public void Return(Task<T?> recycling)
    {
        Interlocked.Increment(ref _recycling);
        Interlocked.Decrement(ref _out);
        var returning = CompleteReturnAsync(recycling);
        _returning.TryAdd(returning, 0);
        _ = returning.ContinueWith(t => _returning.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task CompleteReturnAsync(Task<T?> recycling)
    {
        T? container = null;
        try
        {
            container = await recycling.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Resetting a Docker sandbox container for another episode failed; it was discarded");
        }
        if (container is not null && !_stop.IsCancellationRequested && Ready < Size)
        {
            _readyIds.TryAdd(_id(container), 0);
            if (_ready.Writer.TryWrite(container))
            {
                Interlocked.Increment(ref _count);
                Interlocked.Decrement(ref _recycling);
                return;
            }
            _readyIds.TryRemove(_id(container), out _);
        }
        Interlocked.Decrement(ref _recycling);
        if (container is not null) await _remove(container).ConfigureAwait(false);
        Wake();
    }

    private void Wake()
    {
        try
        {
            if (!_stop.IsCancellationRequested && Size > 0) _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // The pool is being disposed: nothing is refilled any more.
        }
    }

    /// <summary>Stops refilling and removes the containers still waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        await _filler.ConfigureAwait(false);
        await Task.WhenAll(_returning.Keys).ConfigureAwait(false);
        _ready.Writer.TryComplete();
        var removals = new List<Task>();
        while (_ready.Reader.TryRead(out var container)) removals.Add(_remove(container));
        _readyIds.Clear();
        Volatile.Write(ref _count, 0);
        await Task.WhenAll(removals).ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }
}
