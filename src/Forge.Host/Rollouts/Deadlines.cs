namespace Forge.Host;

/// <summary>Awaiting code we don't trust to honour cancellation: the wait ends when the token is cancelled, whatever the operation does.</summary>
internal static class Deadlines
{
    /// <summary>
    /// The operation's result, or <see cref="OperationCanceledException"/> as soon as <paramref name="cancellationToken"/> is cancelled,
    /// even when the operation ignores it. The abandoned operation is observed, so its late fault is never unobserved.
    /// </summary>
    public static ValueTask<T> Abandonable<T>(ValueTask<T> operation, CancellationToken cancellationToken)
    {
        if (operation.IsCompleted || !cancellationToken.CanBeCanceled) return operation;
        return new ValueTask<T>(WaitAsync(operation.AsTask(), cancellationToken));
    }

    private static async Task<T> WaitAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            Observe(task);
            throw;
        }
    }

    /// <summary>Makes sure a fault of a task nobody awaits any more is observed.</summary>
    public static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Cancels <paramref name="source"/> from a timer that may fire after its owner disposed it.</summary>
    public static void TryCancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The operation ended and its source was disposed while the timer fired: nothing is left to cancel.
        }
    }

    /// <summary>
    /// A token cancelled when <paramref name="timeout"/> passes on <paramref name="time"/> or when <paramref name="outer"/> is cancelled.
    /// Dispose it when the operation ends.
    /// </summary>
    public static Deadline Start(TimeSpan timeout, TimeProvider time, CancellationToken outer) => new(timeout, time, outer);

    /// <summary>A deadline linked to an outer token.</summary>
    public sealed class Deadline : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly CancellationTokenRegistration _registration;

        internal Deadline(TimeSpan timeout, TimeProvider time, CancellationToken outer)
        {
            _source = new CancellationTokenSource(timeout, time);
            _registration = outer.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _source);
        }

        /// <summary>The token to pass to the operation.</summary>
        public CancellationToken Token => _source.Token;

        public void Dispose()
        {
            _registration.Dispose();
            _source.Dispose();
        }
    }
}
