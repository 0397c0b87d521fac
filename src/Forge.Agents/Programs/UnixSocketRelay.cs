using System.Net;
using System.Net.Sockets;

namespace Forge.Agents.Programs;

/// <summary>
/// Forwards every connection made to a Unix socket to one TCP endpoint: how a sandboxed agent program, which has no network,
/// reaches its episode's endpoint — the socket is created in the sandbox's workspace, the only host folder it sees.
/// </summary>
internal sealed class UnixSocketRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private UnixSocketRelay(Socket listener, string path, EndPoint target)
    {
        _listener = listener;
        _path = path;
        _accepting = AcceptAsync(target);
    }

    /// <summary>Listens at <paramref name="path"/> (any user may connect: the sandbox runs as another user) and forwards to <paramref name="target"/>.</summary>
    public static UnixSocketRelay Start(string path, EndPoint target)
    {
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new UnixSocketRelay(listener, path, target);
    }

    private async Task AcceptAsync(EndPoint target)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = ForwardAsync(client, target);
        }
    }

    private async Task ForwardAsync(Socket client, EndPoint target)
    {
        using var upstream = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using (client)
        {
            try
            {
                await upstream.ConnectAsync(target, _stop.Token);
                await using var a = new NetworkStream(client, ownsSocket: false);
                await using var b = new NetworkStream(upstream, ownsSocket: false);
                await Task.WhenAll(Copy(a, b, upstream), Copy(b, a, client));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
                // The program or the server closed the connection, or the relay stopped.
            }
        }
    }

    // Copies one direction, then tells the other side that this one is done.
    private async Task Copy(Stream from, Stream to, Socket toSocket)
    {
        await from.CopyToAsync(to, _stop.Token);
        toSocket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Stops listening, drops the connections and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        File.Delete(_path);
        _stop.Dispose();
    }
}
