namespace Forge.Serving.Batching;

/// <summary>
/// When waiting rows join the batch. A row joins at the next decode step, except while a burst of requests is still
/// arriving — requests the server is still reading, or a row queued less than <see cref="Gap"/> after the one before it
/// and less than <see cref="Gap"/> ago: then the waiting rows hold back until the burst has settled (a
/// <see cref="Gap"/> without a new row and nothing being read), until they would fill the batch's free rows, or until the
/// first of them has waited <see cref="MaxWait"/>. So a burst (many clients sending at once, or all the clients of a batch
/// that just ended sending their next requests) is prefilled in one pass and decodes in step, instead of being split
/// over several joins whose rows then end at different steps. A lone request (its predecessor came more than a gap
/// before) joins at once. The running rows keep decoding meanwhile. Thread-safe.
/// </summary>
internal sealed class AdmissionWindow(TimeSpan gap, TimeSpan maxWait, TimeProvider time)
{
    /// <summary>The defaults: a 5 ms gap, at most 40 ms of holding back.</summary>
    public static AdmissionWindow Default(TimeProvider time) => new(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(40), time);

    private readonly Lock _lock = new();
    private long _last = long.MinValue;       // timestamp of the last row queued
    private long _previous = long.MinValue;   // of the one before it
    private long? _firstWaiting;              // when the oldest waiting row was queued; null when none waits
    private int _reading;

    /// <summary>A burst settles once no row came for this long.</summary>
    public TimeSpan Gap { get; } = gap;

    /// <summary>Longest a waiting row is held back.</summary>
    public TimeSpan MaxWait { get; } = maxWait;

    /// <summary>A request is being read (before its rows are queued); dispose the result when it is queued or refused.</summary>
    public IDisposable BeginReading()
    {
        Interlocked.Increment(ref _reading);
        return new Reading(this);
    }

    /// <summary>Rows were queued now.</summary>
    public void Queued()
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            _previous = _last;
            _last = now;
            _firstWaiting ??= now;
        }
    }

    /// <summary>Every waiting row joined (or left); the next one queued starts a new wait.</summary>
    public void Drained()
    {
        lock (_lock) _firstWaiting = null;
    }

    /// <summary>
    /// Zero when the <paramref name="waiting"/> rows should join now; otherwise how long to hold them back before asking
    /// again (they are fewer than the <paramref name="room"/> free rows and a burst is still arriving).
    /// </summary>
    public TimeSpan HoldBack(int waiting, int room)
    {
        if (waiting <= 0 || waiting >= room) return TimeSpan.Zero;
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (_firstWaiting is not { } first) return TimeSpan.Zero;
            var left = MaxWait - time.GetElapsedTime(first, now);
            if (left <= TimeSpan.Zero) return TimeSpan.Zero;
            if (Volatile.Read(ref _reading) > 0) return Min(Gap, left);
            var burst = _previous != long.MinValue && time.GetElapsedTime(_previous, _last) < Gap;
            var quiet = Gap - time.GetElapsedTime(_last, now);
            return burst && quiet > TimeSpan.Zero ? Min(quiet, left) : TimeSpan.Zero;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    // A request being read; disposing it (once or more) says it was queued or refused.
    private sealed class Reading(AdmissionWindow window) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref window._reading);
        }
    }
}
