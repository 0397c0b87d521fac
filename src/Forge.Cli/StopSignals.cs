using System.Runtime.InteropServices;

namespace Forge.Cli;

/// <summary>
/// The first Ctrl+C (SIGINT) or SIGTERM cancels <see cref="Token"/> and says so on stderr, so that a command winds down and
/// disposes what it started (sandboxes and their processes, containers and folders; recorders); a second Ctrl+C ends
/// the process at once. SIGTERM never does: senders such as <c>timeout</c> deliver it twice at once (to the process and
/// to its group), and SIGKILL is there for a stop that must not wait.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly string _message;
    private readonly PosixSignalRegistration[] _registrations;
    private int _stopping;

    private StopSignals(CancellationToken outer, string message)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _message = message;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Watches for stop signals until disposed; <paramref name="message"/> says what stopping does (<c>stopping; …</c>).</summary>
    public static StopSignals Watch(CancellationToken outer, string message) => new(outer, message);

    /// <summary>Cancelled by the first stop signal (or by the outer token).</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once a stop was asked for.</summary>
    public bool IsCancellationRequested => _source.IsCancellationRequested;

    private void OnSignal(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested && context.Signal == PosixSignal.SIGINT) return;   // a second Ctrl+C: its default action ends the process
        context.Cancel = true;
        if (Interlocked.Exchange(ref _stopping, 1) == 1) return;
        Console.Error.WriteLine($"forge: {_message} (Ctrl+C again to quit at once).");
        _source.Cancel();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
