using Forge.Serving.Batching;
using Microsoft.Extensions.Time.Testing;

namespace Forge.Serving.Tests.Batching;

/// <summary>When waiting rows join: at once, unless a burst of requests is still arriving (then until it settles, briefly).</summary>
public sealed class AdmissionWindowTests
{
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(3);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(25);

    private static (AdmissionWindow Window, FakeTimeProvider Time) Create()
    {
        var time = new FakeTimeProvider();
        return (new AdmissionWindow(Gap, MaxWait, time), time);
    }

    [Fact]
    public void HoldBack_LoneRequest_JoinsAtOnce()
    {
        var (window, time) = Create();
        window.Queued();
        Assert.Equal(TimeSpan.Zero, window.HoldBack(waiting: 1, room: 64));

        time.Advance(TimeSpan.FromMilliseconds(80));   // the next one, long after: still no burst
        window.Drained();
        window.Queued();
        Assert.Equal(TimeSpan.Zero, window.HoldBack(waiting: 1, room: 64));
    }

    [Fact]
    public void HoldBack_RowsArrivingWithinAGap_HeldUntilAGapWithoutNewOnes()
    {
        var (window, time) = Create();
        window.Queued();
        time.Advance(TimeSpan.FromMilliseconds(1));
        window.Queued();

        Assert.Equal(Gap, window.HoldBack(waiting: 2, room: 64));
        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(TimeSpan.FromMilliseconds(1), window.HoldBack(waiting: 2, room: 64));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(TimeSpan.Zero, window.HoldBack(waiting: 2, room: 64));
    }

    [Fact]
    public void HoldBack_RequestStillBeingRead_HoldsTheQueuedOnesUntilItIsQueued()
    {
        var (window, _) = Create();
        var reading = window.BeginReading();
        window.Queued();

        Assert.Equal(Gap, window.HoldBack(waiting: 1, room: 64));
        reading.Dispose();
        reading.Dispose();   // a second dispose changes nothing
        Assert.Equal(TimeSpan.Zero, window.HoldBack(waiting: 1, room: 64));
    }

    [Fact]
    public void HoldBack_BurstThatGoesOn_HeldAtMostMaxWait()
    {
        var (window, time) = Create();
        window.Queued();
        for (var ms = 1; ms < 25; ms++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            window.Queued();
            Assert.True(window.HoldBack(waiting: ms + 1, room: 64) > TimeSpan.Zero, $"released after {ms} ms");
        }
        Assert.Equal(TimeSpan.FromMilliseconds(1), window.HoldBack(waiting: 25, room: 64));   // 24 ms held: 1 ms left
        time.Advance(TimeSpan.FromMilliseconds(1));
        window.Queued();
        Assert.Equal(TimeSpan.Zero, window.HoldBack(waiting: 26, room: 64));
    }

    [Fact]
    public void HoldBack_WaitingRowsFillTheFreeRows_JoinAtOnce()
    {
        var (window, time) = Create();
        using var reading = window.BeginReading();
        window.Queued();
        time.Advance(TimeSpan.FromMilliseconds(1));
        window.Queued();

        Assert.Equal(TimeSpan.Zero, window.HoldBack(waiting: 8, room: 8));
        Assert.Equal(TimeSpan.Zero, window.HoldBack(waiting: 0, room: 8));
    }

    [Fact]
    public void Drained_NextRowStartsANewWait()
    {
        var (window, time) = Create();
        window.Queued();
        time.Advance(TimeSpan.FromMilliseconds(30));   // longer than MaxWait, then drained
        window.Drained();
        using var reading = window.BeginReading();
        window.Queued();

        Assert.Equal(Gap, window.HoldBack(waiting: 1, room: 64));
    }
}
