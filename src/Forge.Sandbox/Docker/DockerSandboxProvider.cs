using System.Collections.Concurrent;
using Docker.DotNet.Models;
using Forge.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Sandbox.Docker;

/// <summary>
/// The Docker sandbox backend: one container per episode at a time, handed out from a warm pool of pre-started
/// containers (<see cref="SandboxOptions.PoolSize"/>); when an episode ends its container is reset (every process killed,
/// the writable places emptied, then verified clean) and goes back to the pool, or is removed when it can't be verified.
/// Each container is without network, under memory / CPU / pids limits, with a read-only
/// root and a tmpfs workspace; its commands start through its supervisor (PID 1, <see cref="ContainerSupervisor"/>) as a
/// non-root user with no capabilities and no-new-privileges, without a <c>docker exec</c>. Containers are labelled with the
/// run, the container's own id and the owner process; orphans of dead processes are removed at start-up, and this provider's
/// containers on dispose and at process exit. Engine calls retry transient faults and fail fast while the engine is down.
/// </summary>
public sealed class DockerSandboxProvider : ISandboxProvider
{
    private readonly SandboxOptions _options;
    private readonly DockerSandboxSettings _settings;
    private readonly DockerEngine _engine;
    private readonly ILogger _logger;
    private readonly Lock _startLock = new();
    private Task<ContainerPool<DockerSandbox>>? _started;
    /// <summary>This provider's containers, with their supervisors once attached.</summary>
    private readonly ConcurrentDictionary<string, ContainerSupervisor?> _containers = new();
    private readonly ConcurrentDictionary<Task, byte> _removals = new();
    private readonly ConcurrentDictionary<DockerSandbox, byte> _discarded = new();
    private readonly EventHandler _onProcessExit;
    private int _disposed;

    /// <summary>A provider for the engine at <see cref="DockerSandboxSettings.Endpoint"/> (default <c>DOCKER_HOST</c>, else the local socket).
    /// Nothing is contacted until the first <see cref="AcquireAsync"/> or <see cref="StartAsync"/>.</summary>
    public DockerSandboxProvider(SandboxOptions options, DockerSandboxSettings? settings = null, ILogger? logger = null)
        : this(options, settings, new DockerResilienceOptions(), logger)
    {
    }

    internal DockerSandboxProvider(SandboxOptions options, DockerSandboxSettings? settings, DockerResilienceOptions resilience, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("Invalid sandbox options: " + string.Join("; ", errors), nameof(options));
        _settings = settings ?? new DockerSandboxSettings();
        if (IsRoot(_settings.User))
            throw new ArgumentException($"Docker sandbox user '{_settings.User}' is root; sandboxes run as a non-root uid such as 65534:65534", nameof(settings));
        _ = ContainerSpec.SandboxUser(_settings.User); // refuses a user the supervisor can't switch to (not numeric) now, not at the first container
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        Image = options.Image ?? DockerSandboxSettings.DefaultImage;
        RunId = _settings.RunId ?? Guid.NewGuid().ToString("N")[..16];
        _engine = new DockerEngine(_settings.Endpoint ?? DockerEngine.DefaultEndpoint(), resilience);
        _onProcessExit = (_, _) => RemoveAllNow();
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
    }

    public string Backend => "docker";

    /// <summary>The image every sandbox runs.</summary>
    public string Image { get; }

    /// <summary>The <c>forge.run-id</c> label of this provider's containers.</summary>
    public string RunId { get; }

    /// <summary>The engine's address.</summary>
    public Uri Endpoint => _engine.Endpoint;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>The containers waiting in the warm pool (not yet handed to an episode).</summary>
    internal IReadOnlyCollection<string> PooledContainerIds => StartedPool?.ReadyIds ?? [];

    /// <summary>The pool once start-up succeeded, else null.</summary>
    private ContainerPool<DockerSandbox>? StartedPool => _started is { IsCompletedSuccessfully: true } started ? started.Result : null;

    /// <summary>The start-up task; one that failed (engine down, image missing) is retried by the next caller.</summary>
    private Task<ContainerPool<DockerSandbox>> Started
    {
        get
        {
            lock (_startLock)
            {
                if (_started is null || _started.IsFaulted || _started.IsCanceled) _started = StartCoreAsync(CancellationToken.None);
                return _started;
            }
        }
    }

    /// <summary>Orphans removed at start-up.</summary>
    public int OrphansRemoved { get; private set; }

    /// <summary>The backend, the image's name and, once the provider has started, its content id.</summary>
    public SandboxProvenance Provenance => new() { Backend = Backend, Image = Image, ImageId = Volatile.Read(ref _imageId) };

    private string? _imageId;

    public SandboxIsolation Isolation => new(Backend, true,
    [
        "network: none (--network none)",
        $"filesystem: read-only image root, tmpfs /workspace ({_settings.WorkspaceMb} MiB) and /tmp ({_settings.TmpMb} MiB); host files invisible",
        $"user: {_settings.User} for every command, no capabilities, no-new-privileges; PID 1 a supervisor that starts them (root with KILL, SETUID, SETGID, SETPCAP only)",
        $"limits: memory {_options.MemoryMb} MiB, {_settings.Cpus} CPU, {_options.MaxProcesses} processes, CPU time {_options.CpuSeconds} s, file size {_options.MaxFileSizeMb} MiB",
        $"image: {Image} on {Endpoint}",
    ], []);

    /// <summary>
    /// What the Docker backend can give on this machine (for <c>forge sandbox doctor</c>): its protections when the engine
    /// answers and the image is there, else what is missing and how to fix it. Waits at most a few seconds.
    /// </summary>
    public static SandboxIsolation Diagnose(SandboxOptions options, DockerSandboxSettings? settings = null)
    {
        var provider = new DockerSandboxProvider(options with { Backend = "docker", PoolSize = 0 }, settings,
            new DockerResilienceOptions { MaxRetries = 0, CallTimeout = TimeSpan.FromSeconds(3) }, logger: null);
        try
        {
            provider.StartAsync().WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            return provider.Isolation;
        }
        catch (Exception e) when (e is SandboxException or TimeoutException)
        {
            var fix = e.Message.Contains("not reachable", StringComparison.Ordinal) ? " (scripts/docker-engine starts one as root)" : "";
            return new SandboxIsolation("docker", false, [], [e.Message + fix]);
        }
        finally
        {
            provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Contacts the engine, checks the image, removes orphans and fills the pool; <see cref="AcquireAsync"/> does this on first use.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default) =>
        await Started.WaitAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Completes once the warm pool is full (for benchmarks and tests).</summary>
    public async Task WaitForPoolAsync(CancellationToken cancellationToken = default) =>
        await (await Started.WaitAsync(cancellationToken).ConfigureAwait(false)).WaitFullAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask<ISandbox> AcquireAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var pool = await Started.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!Reusing(pool)) return pool.TryTake(out var ready) ? ready : await CreateSandboxAsync(cancellationToken).ConfigureAwait(false);
        pool.Lend();
        try
        {
            return await pool.TakeAsync(WaitForReset, cancellationToken).ConfigureAwait(false)
                ?? await CreateSandboxAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            pool.Unlend();
            throw;
        }
    }

    private async Task<ContainerPool<DockerSandbox>> StartCoreAsync(CancellationToken cancellationToken)
    {
        await _engine.VersionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var image = await _engine.CallAsync("inspect image", (c, ct) => c.Images.InspectImageAsync(Image, ct), cancellationToken).ConfigureAwait(false);
            _imageId = image.ID;
        }
        catch (SandboxException e) when (DockerEngine.IsNotFound(e))
        {
            throw new SandboxException($"Docker image '{Image}' not found at {Endpoint}; build it with scripts/build-sandbox-image " +
                "(or name another image with python3 in the scenario's sandbox.image)", e);
        }
        OrphansRemoved = await OrphanReaper.ReapOrphansAsync(_engine, cancellationToken).ConfigureAwait(false);
        if (OrphansRemoved > 0) _logger.LogInformation("Removed {Count} orphaned Docker sandbox containers", OrphansRemoved);
        return new ContainerPool<DockerSandbox>(_options.PoolSize, CreateWarmSandboxAsync, s => s.DisposeAsync().AsTask(), s => s.ContainerId, _logger);
    }

    /// <summary>A sandbox for the pool: its container started and its Python driver already running.</summary>
    private async Task<DockerSandbox> CreateWarmSandboxAsync(CancellationToken cancellationToken)
    {
        var sandbox = await CreateSandboxAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await sandbox.PrewarmAsync(cancellationToken).ConfigureAwait(false);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<DockerSandbox> CreateSandboxAsync(CancellationToken cancellationToken)
    {
        var sandboxId = Guid.NewGuid().ToString("N");
        var spec = ContainerSpec.Create(Image, _options, _settings, ContainerLabels.For(RunId, sandboxId));
        var created = await _engine.CallAsync("create container", (c, ct) => c.Containers.CreateContainerAsync(spec, ct), cancellationToken).ConfigureAwait(false);
        _containers.TryAdd(created.ID, null);
        try
        {
            // Attached before it starts, so that the supervisor's first frame is not missed.
            var supervisor = await ContainerSupervisor.AttachAsync(_engine, created.ID, cancellationToken).ConfigureAwait(false);
            _containers[created.ID] = supervisor;
            await _engine.CallAsync("start container", (c, ct) => c.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct), cancellationToken).ConfigureAwait(false);
            using var ready = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ready.CancelAfter(SupervisorStartTimeout);
            try
            {
                await supervisor.WaitReadyAsync(ready.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SandboxException($"The supervisor of Docker sandbox container {created.ID[..12]} did not answer within {SupervisorStartTimeout.TotalSeconds:0} s");
            }
            Interlocked.Increment(ref _created);
            return new DockerSandbox(supervisor, sandboxId, _options, default, resetFirst: false, ReleaseAsync);
        }
        catch
        {
            await RemoveContainerAsync(created.ID).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>How long a new container's supervisor may take to say hello.</summary>
    private static readonly TimeSpan SupervisorStartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Containers created so far (for the benchmark and tests).</summary>
    internal int ContainersCreated => Volatile.Read(ref _created);

    /// <summary>Containers reset for another episode and verified clean so far (for the benchmark and tests).</summary>
    internal int ContainerResets => Volatile.Read(ref _resets);

    private int _created;
    private int _resets;

    /// <summary>True when containers go back to <paramref name="pool"/> after their episode (reuse is on and the pool keeps some).</summary>
    private bool Reusing(ContainerPool<DockerSandbox> pool) => _settings.ReuseContainers && pool.Size > 0;

    /// <summary>How long an episode waits for a container being reset, when none is ready, before one is created for it.</summary>
    private static readonly TimeSpan WaitForReset = TimeSpan.FromSeconds(10);

    /// <summary>How long resetting a container for another episode may take before it is removed instead.</summary>
    private static readonly TimeSpan ResetTimeout = TimeSpan.FromSeconds(30);

    private ValueTask ReleaseAsync(DockerSandbox sandbox)
    {
        if (!_discarded.TryRemove(sandbox, out _) && StartedPool is { } pool && Reusing(pool) && Volatile.Read(ref _disposed) == 0)
        {
            pool.Return(RecycleAsync(sandbox));
            return ValueTask.CompletedTask;
        }
        var removal = RemoveContainerAsync(sandbox.ContainerId);
        _removals.TryAdd(removal, 0);
        _ = removal.ContinueWith(t => _removals.TryRemove(t, out _), TaskScheduler.Default);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The container of a disposed sandbox, reset for another episode (<see cref="ContainerReset"/>) and handed out again
    /// as a new sandbox with its Python driver started; null, with the container removed, when the reset could not
    /// verify it clean. Waits first until nothing of the old sandbox calls into the container any more.
    /// </summary>
    private async Task<DockerSandbox?> RecycleAsync(DockerSandbox used)
    {
        using var limit = new CancellationTokenSource(ResetTimeout);
        DockerSandbox? fresh = null;
        try
        {
            await used.Quiesced.WaitAsync(limit.Token).ConfigureAwait(false);
            // The new sandbox's driver starts with the reset (one supervised command), which fails unless the container is verified clean.
            fresh = new DockerSandbox(used.Supervisor, used.SandboxId, _options, used.Counters, resetFirst: true, ReleaseAsync);
            await fresh.PrewarmAsync(limit.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _resets);
            return fresh;
        }
        catch (Exception e) when (e is SandboxException or OperationCanceledException or TimeoutException or IOException)
        {
            _logger.LogWarning(e, "Resetting Docker sandbox container {Id} for another episode failed; it is removed", used.ContainerId[..12]);
            if (fresh is not null)
            {
                _discarded.TryAdd(fresh, 0);
                await fresh.DisposeAsync().ConfigureAwait(false);
            }
            await RemoveContainerAsync(used.ContainerId).ConfigureAwait(false);
            return null;
        }
    }

    private async Task RemoveContainerAsync(string id)
    {
        try
        {
            await OrphanReaper.RemoveAsync(_engine, id, CancellationToken.None).ConfigureAwait(false);
            if (_containers.TryRemove(id, out var supervisor) && supervisor is not null) await supervisor.DisposeAsync().ConfigureAwait(false);
        }
        catch (SandboxException e)
        {
            _logger.LogWarning(e, "Removing Docker sandbox container {Id} failed; it is removed at the next start-up", id[..12]);
        }
    }

    /// <summary>At process exit: remove what is left, synchronously and briefly.</summary>
    private void RemoveAllNow()
    {
        if (_containers.IsEmpty) return;
        try
        {
            Task.WhenAll(_containers.Keys.Select(RemoveContainerAsync)).Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
        try
        {
            if (_started is { } starting) await starting.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            var pool = StartedPool;
            if (pool is not null) await pool.DisposeAsync().ConfigureAwait(false);
            await Task.WhenAll(_removals.Keys).ConfigureAwait(false);
            await Task.WhenAll(_containers.Keys.ToList().Select(RemoveContainerAsync)).ConfigureAwait(false);
            if (pool is not null) await OrphanReaper.RemoveRunAsync(_engine, RunId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (SandboxException e)
        {
            _logger.LogWarning(e, "Cleaning up Docker sandbox containers of run {RunId} failed; they are removed at the next start-up", RunId);
        }
        finally
        {
            _engine.Dispose();
        }
    }

    private static bool IsRoot(string user)
    {
        var name = user.Split(':')[0].Trim();
        return name is "" or "0" or "root";
    }
}
