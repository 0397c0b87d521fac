using System.Threading.Channels;
using Forge.Core;
using Microsoft.Extensions.Logging;

namespace Forge.Sandbox.Docker;

/// <summary>
/// Sandboxes made ahead of demand (for Docker: container started, Python driver running): <see cref="TryTake"/> hands
/// one out at once, and a few background workers refill the pool to its size, creating in parallel. A failed refill
/// (engine busy or down) is logged and retried with back-off.
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
    private int _count;
    private int _creating;

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

    /// <summary>Completes once the pool holds <see cref="Size"/> ready containers (for benchmarks and tests).</summary>
    public async Task WaitFullAsync(CancellationToken cancellationToken)
    {
        while (Ready < Size) await Task.Delay(10, cancellationToken).ConfigureAwait(false);
    }

    private async Task FillAsync()
    {
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            if (Interlocked.Increment(ref _creating) + Ready > Size)
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

    /// <summary>Stops refilling and removes the containers still waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        await _filler.ConfigureAwait(false);
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
