using System.Net;
using System.Net.Sockets;
using Orleans.Configuration;

namespace Forge.Cluster;

/// <summary>Membership settings shared by workers and drivers: how fast a dead silo is noticed, which address a worker advertises.</summary>
internal static class MembershipTuning
{
    /// <summary>A silo missing two probes in a row is suspected; episodes are short-lived work, so a lost worker is declared dead in seconds.</summary>
    public static void Tune(ClusterMembershipOptions membership, ClusterOptions options)
    {
        membership.ProbeTimeout = options.ProbeTimeout;
        membership.NumMissedProbesLimit = 2;
        membership.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        membership.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        membership.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(10);
        membership.DefunctSiloExpiration = TimeSpan.FromMinutes(10);
    }

    /// <summary>The address a worker tells the others: loopback when Redis is on this machine's loopback, else this host's first IPv4 address.</summary>
    public static IPAddress AdvertisedAddress(ClusterOptions options)
    {
        var host = (options.Redis ?? "").Split(',')[0].Split(':')[0];
        if (host is "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip))) return IPAddress.Loopback;
        return Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException($"This host has no IPv4 address to advertise to the cluster (Redis at {options.Redis}).");
    }
}
