using System.Net.Sockets;

namespace Forge.Cluster.Workers;

/// <summary>
/// Under localhost clustering, a lock per primary port held while a worker picks its ports and starts listening:
/// several workers started at once with the same command then agree on one primary. No lock for other membership.
/// On Linux the lock is an abstract Unix socket name (<c>forge-localhost-start-PORT</c>): binding it is exclusive within
/// the network namespace (where the ports are), the kernel frees it when the holder closes it or dies, and it leaves
/// no file behind. Elsewhere it is a lock file in the temporary folder, which stays (deleting it would let two workers
/// lock two files).
/// </summary>
internal static class LocalhostStartLock
{
    public static async Task<IDisposable?> TakeAsync(ClusterOptions options, CancellationToken cancellationToken)
    {
        if (options.Membership != Membership.Localhost) return null;
        while (true)
        {
            if (TryTake(options.PrimarySiloPort) is { } held) return held;
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The lock for <paramref name="port"/> if no one holds it now; null if someone does.</summary>
    internal static IDisposable? TryTake(int port)
    {
        if (OperatingSystem.IsLinux())
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.Bind(new UnixDomainSocketEndPoint($"\0forge-localhost-start-{port}"));
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                socket.Dispose();
                return null;
            }
        }
        try
        {
            return new FileStream(Path.Combine(Path.GetTempPath(), $"forge-localhost-{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
