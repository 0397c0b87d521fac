using System.Collections.Concurrent;
using Forge.Sandbox.Docker;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>The warm pool's refill logic, on fake containers (no engine).</summary>
public sealed class ContainerPoolTests
{
    private sealed class FakeEngine
    {
        private int _next;
        private int _creating;
        public ConcurrentDictionary<string, byte> Alive { get; } = new();
        public int MostAtOnce;
        public int FailuresLeft;
        public TaskCompletionSource? Gate;

        public async Task<string> CreateAsync(CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _creating);
            InterlockedMax(ref MostAtOnce, now);
            try
            {
                if (Gate is { } gate) await gate.Task.WaitAsync(cancellationToken);
                else await Task.Delay(5, cancellationToken);
                if (Interlocked.Decrement(ref FailuresLeft) >= 0) throw new SandboxException("engine busy") { IsTransient = true };
                var id = $"c{Interlocked.Increment(ref _next)}";
                Alive.TryAdd(id, 0);
                return id;
            }
            finally
            {
                Interlocked.Decrement(ref _creating);
            }
        }

        public Task RemoveAsync(string id)
        {
            Alive.TryRemove(id, out _);
            return Task.CompletedTask;
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }

    private static ContainerPool<string> Pool(FakeEngine engine, int size) =>
        new(size, engine.CreateAsync, engine.RemoveAsync, id => id, NullLogger.Instance);

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition()) await Task.Delay(5, timeout.Token);
    }

    [Fact]
    public async Task Constructor_Size_FillsToExactlyThatSize()
    {
        var engine = new FakeEngine();
        await using var pool = Pool(engine, 5);

        await pool.WaitFullAsync(CancellationToken.None);
        await Task.Delay(50);

        Assert.Equal(5, pool.Ready);
        Assert.Equal(5, engine.Alive.Count);
        Assert.Equal(5, pool.ReadyIds.Count);
    }

    [Fact]
    public async Task TryTake_Ready_HandsOneOutAndRefills()
    {
        var engine = new FakeEngine();
        await using var pool = Pool(engine, 2);
        await pool.WaitFullAsync(CancellationToken.None);

        Assert.True(pool.TryTake(out var taken));
        Assert.DoesNotContain(taken, pool.ReadyIds);
        await EventuallyAsync(() => pool.Ready == 2);

        Assert.Equal(3, engine.Alive.Count);
    }

    [Fact]
    public async Task TryTake_Empty_ReturnsFalse()
    {
        var engine = new FakeEngine { Gate = new TaskCompletionSource() };
        await using var pool = Pool(engine, 2);

        Assert.False(pool.TryTake(out _));
        engine.Gate.SetResult();
    }

    [Fact]
    public async Task Refill_LargePool_CreatesAFewAtOnceButNoMore()
    {
        var engine = new FakeEngine { Gate = new TaskCompletionSource() };
        await using var pool = Pool(engine, 8);
        await EventuallyAsync(() => engine.MostAtOnce == 3);
        await Task.Delay(50);

        engine.Gate.SetResult();
        await pool.WaitFullAsync(CancellationToken.None);

        Assert.Equal(3, engine.MostAtOnce);
        Assert.Equal(8, engine.Alive.Count);
    }

    [Fact]
    public async Task Refill_EngineFailsForAWhile_RetriesUntilFull()
    {
        var engine = new FakeEngine { FailuresLeft = 2 };
        await using var pool = Pool(engine, 1);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await pool.WaitFullAsync(timeout.Token);

        Assert.Equal(1, pool.Ready);
    }

    [Fact]
    public async Task DisposeAsync_ContainersWaiting_RemovesThemAll()
    {
        var engine = new FakeEngine();
        var pool = Pool(engine, 4);
        await pool.WaitFullAsync(CancellationToken.None);
        Assert.True(pool.TryTake(out var taken));

        await pool.DisposeAsync();

        Assert.Equal([taken], engine.Alive.Keys);
        Assert.Equal(0, pool.Ready);
    }

    [Fact]
    public async Task Return_ContainerReset_TakesItsPlaceAndNoneIsCreated()
    {
        var engine = new FakeEngine();
        await using var pool = Pool(engine, 2);
        await pool.WaitFullAsync(CancellationToken.None);
        pool.Lend();
        Assert.True(pool.TryTake(out var taken));
        await Task.Delay(100);
        Assert.Equal(2, engine.Alive.Count); // the one lent out counts as coming back

        var reset = new TaskCompletionSource<string?>();
        pool.Return(reset.Task);
        await Task.Delay(100);
        Assert.Equal((1, 2), (pool.Ready, engine.Alive.Count)); // nor while it is being reset
        reset.SetResult(taken);
        await pool.WaitFullAsync(CancellationToken.None);

        Assert.Equal((2, 2), (pool.Ready, engine.Alive.Count));
        Assert.Contains(taken, pool.ReadyIds);
    }

    [Fact]
    public async Task Return_ContainerDiscarded_PoolMakesANewOne()
    {
        var engine = new FakeEngine();
        await using var pool = Pool(engine, 1);
        await pool.WaitFullAsync(CancellationToken.None);
        pool.Lend();
        Assert.True(pool.TryTake(out var taken));
        await engine.RemoveAsync(taken);

        pool.Return(Task.FromResult<string?>(null));
        await pool.WaitFullAsync(CancellationToken.None);

        Assert.Equal(1, pool.Ready);
        Assert.DoesNotContain(taken, pool.ReadyIds);
    }

    [Fact]
    public async Task Return_PoolAlreadyFull_RemovesTheContainer()
    {
        var engine = new FakeEngine();
        await using var pool = Pool(engine, 1);
        await pool.WaitFullAsync(CancellationToken.None);
        pool.Lend();
        Assert.True(pool.TryTake(out var first));
        pool.Lend(); // a second episode, whose sandbox was made for it while the pool was empty
        var second = await engine.CreateAsync(CancellationToken.None);

        pool.Return(Task.FromResult<string?>(second));
        pool.Return(Task.FromResult<string?>(first));
        await pool.WaitFullAsync(CancellationToken.None);

        Assert.Equal([second], pool.ReadyIds);
        Assert.Equal([second], engine.Alive.Keys);
    }

    [Fact]
    public async Task TakeAsync_NoneReadyButOneBeingReset_WaitsForIt()
    {
        var engine = new FakeEngine();
        await using var pool = Pool(engine, 1);
        await pool.WaitFullAsync(CancellationToken.None);
        pool.Lend();
        Assert.True(pool.TryTake(out var first));
        var reset = new TaskCompletionSource<string?>();
        pool.Return(reset.Task);

        pool.Lend();
        var taking = pool.TakeAsync(TimeSpan.FromSeconds(10), CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(taking.IsCompleted);
        reset.SetResult(first);

        Assert.Equal(first, await taking.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(engine.Alive);
    }

    [Fact]
    public async Task TakeAsync_NoneReadyAndNoneComing_GivesUpAtOnce()
    {
        var engine = new FakeEngine();
        await using var pool = Pool(engine, 1);
        await pool.WaitFullAsync(CancellationToken.None);
        pool.Lend();
        Assert.True(pool.TryTake(out _));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(await pool.TakeAsync(TimeSpan.FromSeconds(10), CancellationToken.None));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }
}
