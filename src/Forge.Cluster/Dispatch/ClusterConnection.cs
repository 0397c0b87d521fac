using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;
using OrleansClusterOptions = Orleans.Configuration.ClusterOptions;

namespace Forge.Cluster.Dispatch;

/// <summary>A driver's connection to the cluster (an Orleans client): finds the workers and hands out their grains.</summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly ConcurrentDictionary<string, Lazy<Task<ClusterConnection>>> _direct = new(StringComparer.Ordinal);

    private ClusterConnection(IHost host, ClusterOptions options)
    {
        _host = host;
        Options = options;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The options it connected with.</summary>
    public ClusterOptions Options { get; }

    internal IClusterClient Client { get; }

    /// <summary>
    /// Connects to the cluster <paramref name="options"/> describe; throws <see cref="ClusterUnavailableException"/> saying
    /// what to start when no worker answers within 20 s (a driver started beside its workers waits for them). With
    /// <paramref name="waitForWorkers"/> false (for commands that only look, such as <c>forge cluster status</c>), a cluster
    /// that has no worker to answer is reported at once instead: no worker registered in its membership, or nothing
    /// listening on any gateway it lists (workers killed before they could leave).
    /// </summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterOptions options, CancellationToken cancellationToken, bool waitForWorkers = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!waitForWorkers) await CheckSomeGatewayListensAsync(options, cancellationToken).ConfigureAwait(false);
        try
        {
            return await StartAsync(options, gateway: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var why = e is OperationCanceledException ? "no answer within 20 s" : $"{e.GetType().Name}: {e.Message}";
            throw new ClusterUnavailableException($"no worker of cluster `{options.ClusterId}` answers ({Where(options)}; {why}): start workers with `forge worker --cluster ...` first", e);
        }
    }

    private static string Where(ClusterOptions options) =>
        options.Membership == Membership.Redis ? $"Redis membership at {options.Redis}" : $"localhost clustering, gateway port {options.PrimaryGatewayPort}";

    /// <summary>
    /// Reads the gateways the cluster's membership lists (through the same provider the client uses: Redis, or the
    /// primary worker's port under localhost clustering) and throws <see cref="ClusterUnavailableException"/> when it
    /// can't be read, lists none, or none of them accepts a connection.
    /// </summary>
    private static async Task CheckSomeGatewayListensAsync(ClusterOptions options, CancellationToken cancellationToken)
    {
        var unavailable = $"no worker of cluster `{options.ClusterId}` answers ({Where(options)}";
        const string Start = "start workers with `forge worker --cluster ...` first";
        IList<Uri> gateways;
        using (var probe = Build(options, gateway: null))
        {
            var provider = probe.Services.GetRequiredService<IGatewayListProvider>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                await provider.InitializeGatewayListProviderAsync(timeout.Token).ConfigureAwait(false);
                gateways = await provider.GetGatewaysAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var why = e is OperationCanceledException ? "no answer within 10 s" : e.Message;
                var fix = options.Membership == Membership.Redis ? "start Redis there or fix the cluster file's \"redis\"" : Start;
                throw new ClusterUnavailableException($"{unavailable}: its membership can't be read: {why}): {fix}", e);
            }
        }
        if (gateways.Count == 0) throw new ClusterUnavailableException($"{unavailable}: no worker is registered): {Start}");
        var endpoints = gateways.Select(g => new IPEndPoint(IPAddress.Parse(g.Host.Trim('[', ']')), g.Port)).Distinct().ToList();
        var listening = await Task.WhenAll(endpoints.Select(e => ListensAsync(e, cancellationToken))).ConfigureAwait(false);
        if (!listening.Any(l => l))
            throw new ClusterUnavailableException($"{unavailable}: nothing listens on {string.Join(", ", endpoints)}, the worker gateway(s) it lists): {Start}");
    }

    /// <summary>Whether something accepts connections on <paramref name="endpoint"/> (refused or no answer within 2 s: no).</summary>
    private static async Task<bool> ListensAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>
    /// A client whose only gateway is the worker at <paramref name="gateway"/>: calls to that worker's grain go straight to
    /// its process. Through the cluster's own client they would enter at whichever gateway the client picks for the grain
    /// (under localhost clustering always the primary worker), which forwards them: one more hop and its CPU, per episode.
    /// </summary>
    internal static Task<ClusterConnection> ConnectDirectAsync(ClusterOptions options, IPEndPoint gateway, CancellationToken cancellationToken) =>
        StartAsync(options, gateway, cancellationToken);

    private static async Task<ClusterConnection> StartAsync(ClusterOptions options, IPEndPoint? gateway, CancellationToken cancellationToken)
    {
        var host = Build(options, gateway);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            await host.StartAsync(timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new ClusterConnection(host, options);
    }

    // The client's host, not started: its gateways are `gateway` alone, or those the cluster's membership lists.
    private static IHost Build(ClusterOptions options, IPEndPoint? gateway)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // The dispatcher reports lost workers and failed episodes itself; the client's own log would repeat them as stack traces.
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<OrleansClusterOptions>(o => { o.ClusterId = options.ClusterId; o.ServiceId = options.ClusterId; });
            if (gateway is not null) client.UseStaticClustering(gateway);
            else if (options.Membership == Membership.Redis) client.UseRedisClustering(options.Redis!);
            else client.UseLocalhostClustering(options.PrimaryGatewayPort, options.ClusterId, options.ClusterId);
            client.Configure<ClientMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromHours(1));
            client.Configure<GatewayOptions>(g => g.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(WireFormat.CarryForgeExceptions);
        });
        return builder.Build();
    }

    /// <summary>The gateway (where clients connect) of every active worker, by the worker's address.</summary>
    internal async Task<IReadOnlyDictionary<string, IPEndPoint>> GatewaysAsync()
    {
        var hosts = await Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true).ConfigureAwait(false);
        return hosts.Where(h => h.Status == SiloStatus.Active && h.ProxyPort > 0)
            .ToDictionary(h => h.SiloAddress.ToParsableString(), h => new IPEndPoint(h.SiloAddress.Endpoint.Address, h.ProxyPort), StringComparer.Ordinal);
    }

    /// <summary>The connection straight to the worker at <paramref name="address"/> (its gateway at <paramref name="gateway"/>): made once, kept across runs until the worker leaves.</summary>
    internal async Task<ClusterConnection> DirectAsync(string address, IPEndPoint gateway, CancellationToken cancellationToken)
    {
        var lazy = _direct.GetOrAdd(address, _ => new Lazy<Task<ClusterConnection>>(() => ConnectDirectAsync(Options, gateway, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
        {
            _direct.TryRemove(KeyValuePair.Create(address, lazy));   // asked again next time
            throw;
        }
    }

    /// <summary>Closes the connection straight to a worker that left the cluster (in the background: its gateway is gone).</summary>
    internal void ForgetDirect(string address)
    {
        if (_direct.TryRemove(address, out var lazy)) _ = Task.Run(() => CloseAsync(lazy));
    }

    private static async Task CloseAsync(Lazy<Task<ClusterConnection>> lazy)
    {
        try
        {
            await (await lazy.Value.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A connection that never opened has nothing to close.
        }
    }

    /// <summary>The silos the cluster counts as active now, by address.</summary>
    public async Task<IReadOnlyList<string>> ActiveWorkersAsync()
    {
        var hosts = await Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).ConfigureAwait(false);
        return [.. hosts.Where(h => h.Value == SiloStatus.Active).Select(h => h.Key.ToParsableString()).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every active worker as it describes itself; a worker that doesn't answer within 5 s is left out.</summary>
    public async Task<IReadOnlyList<WorkerInfo>> DescribeWorkersAsync(CancellationToken cancellationToken)
    {
        var addresses = await ActiveWorkersAsync().ConfigureAwait(false);
        var answers = await Task.WhenAll(addresses.Select(async a =>
        {
            try
            {
                return await Worker(a).DescribeAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return null;
            }
        })).ConfigureAwait(false);
        return [.. answers.OfType<WorkerInfo>()];
    }

    /// <summary>The worker grain of the silo at <paramref name="address"/>.</summary>
    public IEpisodeWorker Worker(string address) => Client.GetGrain<IEpisodeWorker>(address);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_direct.Values.Select(CloseAsync)).ConfigureAwait(false);
        _direct.Clear();
        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Leaving a cluster that is already gone is not an error of the run.
        }
        _host.Dispose();
    }
}

/// <summary>The cluster can't be reached, or has no worker: the message says what to start.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
