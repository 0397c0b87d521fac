using System.Net;
using System.Net.Sockets;
using Forge.Cluster.Dispatch;
using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using OrleansClusterOptions = Orleans.Configuration.ClusterOptions;

namespace Forge.Cluster.Workers;

/// <summary>
/// <c>forge worker</c>: an Orleans silo that hosts environments and a sandbox pool and runs the episodes drivers send it.
/// With localhost clustering the first worker on the machine takes the primary ports (default 11111, gateway 30000) and later
/// ones pick free ports, so every worker starts with the same command; with Redis membership every worker picks free ports.
/// </summary>
public static class ClusterWorker
{
    /// <summary>How long a stopping worker takes at most to leave the cluster; its sandboxes are removed after that.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts a worker and runs it until <paramref name="cancellationToken"/> is cancelled; <paramref name="onStarted"/> gets its address once it has joined.</summary>
    /// <param name="options">How to join the cluster.</param>
    /// <param name="capacity">Episodes at once.</param>
    /// <param name="loadRegistry">Loads the environment registry.</param>
    /// <param name="createAgent">Builds the agent a scenario names.</param>
    /// <param name="onStarted">Told the worker's address when it has joined.</param>
    /// <param name="cancellationToken">Stops the worker (it leaves the cluster and removes its sandboxes).</param>
    public static async Task RunAsync(ClusterOptions options, int capacity, Func<EnvironmentRegistry> loadRegistry,
        Func<Scenario, EnvironmentRegistry, IAgent> createAgent, Action<string> onStarted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A worker's capacity must be at least 1.");
        // Workers started together on one machine take turns choosing their ports, so exactly one becomes the primary.
        var startLock = await LocalhostStartLock.TakeAsync(options, cancellationToken).ConfigureAwait(false);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Forge", LogLevel.Information);
        // Orleans' start-up notes (server GC, a starved watchdog on a busy machine) are not the user's business; its errors are.
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Services.AddSingleton(new WorkerSettings(capacity, loadRegistry, createAgent));
        builder.Services.AddSingleton<WorkerRuntime>();
        builder.UseOrleans(silo =>
        {
            Join(silo, options);
            silo.Services.AddPlacementDirector<WorkerPlacement, WorkerPlacementDirector>();
            silo.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(WireFormat.CarryForgeExceptions);
            silo.Configure<ClusterMembershipOptions>(m => MembershipTuning.Tune(m, options));
            // Episodes are long calls: the driver's own deadline (episode timeout + grace) gives an attempt up, not Orleans'.
            silo.Configure<SiloMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromHours(1));
            silo.Configure<GrainCollectionOptions>(g => g.CollectionAge = TimeSpan.FromDays(1));
        });
        using var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e.GetBaseException() is StackExchange.Redis.RedisConnectionException redis)
        {
            var why = redis.Message.Split(". ")[0].TrimEnd('.');
            throw new ClusterUnavailableException(
                $"this worker can't join cluster `{options.ClusterId}`: Redis membership at {options.Redis} doesn't answer ({why}); start Redis there or fix the cluster file's \"redis\".", e);
        }
        finally
        {
            startLock?.Dispose();
        }
        var runtime = host.Services.GetRequiredService<WorkerRuntime>();
        try
        {
            var address = host.Services.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>().SiloAddress.ToParsableString();
            onStarted(address);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            using var stopping = new CancellationTokenSource(StopTimeout);
            await host.StopAsync(stopping.Token).ConfigureAwait(false);
            await runtime.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Join(ISiloBuilder silo, ClusterOptions options)
    {
        silo.Configure<OrleansClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = options.ClusterId; });
        switch (options.Membership)
        {
            case Membership.Localhost:
                var primary = new IPEndPoint(IPAddress.Loopback, options.PrimarySiloPort);
                var isPrimary = IsFree(options.PrimarySiloPort) && IsFree(options.PrimaryGatewayPort);
                silo.UseLocalhostClustering(isPrimary ? options.PrimarySiloPort : FreePort(), isPrimary ? options.PrimaryGatewayPort : FreePort(), primary, options.ClusterId, options.ClusterId);
                break;
            case Membership.Redis:
                silo.UseRedisClustering(options.Redis!);
                if (options.Kubernetes) silo.UseKubernetesHosting();
                else silo.ConfigureEndpoints(MembershipTuning.AdvertisedAddress(options), FreePort(), FreePort(), listenOnAnyHostAddress: false);
                break;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
