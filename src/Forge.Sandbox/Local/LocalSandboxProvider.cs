using System.Collections.Concurrent;
using Forge.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Sandbox.Local;

/// <summary>
/// The embedded default sandbox backend: each command runs as a local process inside Linux namespaces (bubblewrap) with
/// resource limits (setrlimit, and a memory/pids cgroup per sandbox where the machine allows it). Where the machine
/// cannot isolate, <see cref="Create(SandboxOptions?, ILogger?)"/> refuses unless the options allow unisolated execution.
/// </summary>
public sealed class LocalSandboxProvider : ISandboxProvider
{
    private readonly SandboxOptions _options;
    private readonly LocalCapabilities _capabilities;
    private readonly Launcher _launcher;
    private readonly SandboxUsers? _users;
    private readonly string _runDirectory;
    private readonly ConcurrentDictionary<LocalSandbox, byte> _live = new();
    private readonly ConcurrentQueue<LocalSandbox> _ready = new();
    private readonly ILogger _logger;
    private int _filling;
    private int _next;
    private int _disposed;

    private LocalSandboxProvider(SandboxOptions options, LocalCapabilities capabilities, string root, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _capabilities = capabilities;
        _launcher = new Launcher(capabilities.Mode, capabilities.Tools, options);
        _users = _launcher.DropsRoot ? SandboxUsers.Open(capabilities.Tools.Setpriv!) : null;
        RunId = $"{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        Reaped = Reaper.Sweep(root, capabilities.Cgroups);
        _runDirectory = Reaper.CreateRun(root, RunId);
        Isolation = capabilities.Describe(options);
    }

    /// <summary>
    /// Starts a provider: probes what isolation this machine offers, removes what dead runs left behind, and refuses
    /// (with <see cref="SandboxException"/>) when code could not be isolated and <see cref="SandboxOptions.AllowUnisolated"/> is off.
    /// </summary>
    public static LocalSandboxProvider Create(SandboxOptions? options = null, ILogger? logger = null) =>
        Create(options ?? SandboxOptions.Default, Reaper.DefaultRoot, logger);

    /// <summary>A provider that runs commands without namespaces whatever the machine offers (benchmark baselines; needs <see cref="SandboxOptions.AllowUnisolated"/>).</summary>
    internal static LocalSandboxProvider CreateWithoutIsolation(SandboxOptions options) =>
        Create(options, Reaper.DefaultRoot, IsolationProbe.Capabilities with { Mode = LaunchMode.Unisolated }, null);

    internal static LocalSandboxProvider Create(SandboxOptions options, string root, ILogger? logger) =>
        Create(options, root, IsolationProbe.Capabilities, logger);

    internal static LocalSandboxProvider Create(SandboxOptions options, string root, LocalCapabilities capabilities, ILogger? logger)
    {
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException("Invalid sandbox options: " + string.Join("; ", errors));
        if (!capabilities.Isolated && !options.AllowUnisolated)
            throw new SandboxException(
                "The local sandbox cannot isolate untrusted code on this machine: " + string.Join("; ", capabilities.Problems) + ". " +
                "Fix that (scripts/install-sandbox-deps installs bubblewrap; user namespaces must be allowed), use the docker backend, " +
                "or, for code you trust, opt out of isolation with \"allow_unisolated\": true in the scenario's \"sandbox\" section " +
                "(--unsafe-no-isolation on the forge sandbox command line).");
        if (capabilities.Tools.Prlimit is null)
            throw new SandboxException("The local sandbox needs prlimit (util-linux) to limit commands; install util-linux.");
        var provider = new LocalSandboxProvider(options, capabilities, root, logger ?? NullLogger.Instance);
        provider._logger.LogInformation("{Isolation}", provider.Isolation.Summary);
        provider.Refill();
        return provider;
    }

    /// <inheritdoc />
    public string Backend => "local";

    /// <inheritdoc />
    public SandboxIsolation Isolation { get; }

    /// <summary>This run's id; its sandboxes live in <c>/tmp/forge-sandboxes/RUN_ID</c>.</summary>
    public string RunId { get; }

    /// <summary>The folder of this run's sandboxes.</summary>
    public string RunDirectory => _runDirectory;

    /// <summary>Runs of dead processes whose leftovers this provider removed when it started.</summary>
    public IReadOnlyList<string> Reaped { get; }

    /// <summary>True once the provider was disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) == 1;

    /// <summary>Sandboxes handed out and not yet disposed.</summary>
    public int LiveCount => _live.Count;

    /// <summary>Sandboxes waiting in the pool with their Python interpreter already started.</summary>
    public int ReadyCount => _ready.Count;

    /// <summary>Completes once the pool holds <see cref="SandboxOptions.PoolSize"/> ready sandboxes (for benchmarks and tests).</summary>
    public async Task WaitForPoolAsync(CancellationToken cancellationToken = default)
    {
        while (_ready.Count < _options.PoolSize && Volatile.Read(ref _disposed) == 0)
        {
            Refill();
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A sandbox for one episode: one from the pool (its warm Python interpreter already started) when one is ready,
    /// else a new one (under a millisecond: a folder and a cgroup). The pool refills in the background up to
    /// <see cref="SandboxOptions.PoolSize"/>.
    /// </summary>
    public ValueTask<ISandbox> AcquireAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        cancellationToken.ThrowIfCancellationRequested();
        var sandbox = _ready.TryDequeue(out var ready) ? ready : CreateSandbox();
        Refill();
        return ValueTask.FromResult<ISandbox>(sandbox);
    }

    private LocalSandbox CreateSandbox()
    {
        var id = $"{Interlocked.Increment(ref _next)}-{Guid.NewGuid().ToString("N")[..6]}";
        var paths = new SandboxPaths(Path.Combine(_runDirectory, id));
        var user = _users?.Acquire();
        try
        {
            Directory.CreateDirectory(paths.Root);
            Workspace.SetMode(paths.Root, (UnixFileMode)0b111_001_001);
            foreach (var dir in new[] { paths.Workspace, paths.Temp })
            {
                Directory.CreateDirectory(dir);
                Workspace.SetMode(dir, (UnixFileMode)0b111_000_000);
                Workspace.GiveTo(dir, user?.Uid);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Workspace.Delete(paths.Root);
            user?.Release(killLeftovers: false);
            throw new SandboxException($"Could not create the sandbox folder {paths.Root}: {e.Message}", e);
        }
        var cgroup = _capabilities.Cgroups is { } layout
            ? Cgroup.TryCreate(layout, $"{Reaper.CgroupName(RunId)}/{id}", (long)_options.MemoryMb << 20, _options.MaxProcesses)
            : null;
        var sandbox = new LocalSandbox(id, paths, _launcher, _options, cgroup, user, s => _live.TryRemove(s, out _));
        _live[sandbox] = 0;
        return sandbox;
    }

    /// <summary>Starts filling the pool up to its size, one sandbox at a time, in the background.</summary>
    private void Refill()
    {
        if (_options.PoolSize == 0 || Interlocked.CompareExchange(ref _filling, 1, 0) != 0) return;
        _ = Task.Run(async () =>
        {
            try
            {
                while (Volatile.Read(ref _disposed) == 0 && _ready.Count < _options.PoolSize)
                {
                    var sandbox = CreateSandbox();
                    try
                    {
                        await sandbox.Python.StartAsync().ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is SandboxException or ObjectDisposedException or OperationCanceledException or IOException)
                    {
                        _logger.LogWarning("Pre-starting a sandbox's Python interpreter failed: {Message}", e.Message);
                        await sandbox.DisposeAsync().ConfigureAwait(false);
                        return;
                    }
                    _ready.Enqueue(sandbox);
                    if (Volatile.Read(ref _disposed) == 1) await sandbox.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                Volatile.Write(ref _filling, 0);
            }
        });
    }

    /// <summary>Disposes every sandbox still live, then removes the run's folder and cgroups.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // Disposing the live sandboxes kills a driver the pool may be starting; then nothing new is made.
        await Task.WhenAll(_live.Keys.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        while (Volatile.Read(ref _filling) == 1) await Task.Delay(5).ConfigureAwait(false);
        await Task.WhenAll(_live.Keys.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        _ready.Clear();
        if (_capabilities.Cgroups is { } layout)
            foreach (var baseDir in layout.Bases) Cgroup.TryRemove(Path.Combine(baseDir, Reaper.CgroupName(RunId)));
        Workspace.Delete(_runDirectory);
    }
}
