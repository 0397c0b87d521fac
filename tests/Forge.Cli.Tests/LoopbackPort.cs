using System.Net;
using System.Net.Sockets;

namespace Forge.Cli.Tests;

/// <summary>Ports on this machine's loopback for the servers and workers a test starts.</summary>
internal static class LoopbackPort
{
    /// <summary>A port nothing listens on now (the system's choice of a free one).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
