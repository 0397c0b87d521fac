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
    private readonly string _runDirectory;
    private readonly ConcurrentDictionary<LocalSandbox, byte> _live = new();
    private int _next;
    private int _disposed;

    private LocalSandboxProvider(SandboxOptions options, LocalCapabilities capabilities, string root)
    {
        _options = options;
        _capabilities = capabilities;
        _launcher = new Launcher(capabilities.Mode, capabilities.Tools, options);
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
        var provider = new LocalSandboxProvider(options, capabilities, root);
        (logger ?? NullLogger.Instance).LogInformation("{Isolation}", provider.Isolation.Summary);
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

    /// <inheritdoc />
    public ValueTask<ISandbox> AcquireAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        cancellationToken.ThrowIfCancellationRequested();
        var id = $"{Interlocked.Increment(ref _next)}-{Guid.NewGuid().ToString("N")[..6]}";
        var paths = new SandboxPaths(Path.Combine(_runDirectory, id));
        try
        {
            Directory.CreateDirectory(paths.Root);
            Workspace.SetMode(paths.Root, (UnixFileMode)0b111_001_001);
            foreach (var dir in new[] { paths.Workspace, paths.Temp })
            {
                Directory.CreateDirectory(dir);
                Workspace.SetMode(dir, (UnixFileMode)0b111_000_000);
                Workspace.GiveTo(dir, _launcher.SandboxOwner);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Workspace.Delete(paths.Root);
            throw new SandboxException($"Could not create the sandbox folder {paths.Root}: {e.Message}", e);
        }
        var cgroup = _capabilities.Cgroups is { } layout
            ? Cgroup.TryCreate(layout, $"{Reaper.CgroupName(RunId)}/{id}", (long)_options.MemoryMb << 20, _options.MaxProcesses)
            : null;
        var sandbox = new LocalSandbox(id, paths, _launcher, _options, cgroup, s => _live.TryRemove(s, out _));
        _live[sandbox] = 0;
        return ValueTask.FromResult<ISandbox>(sandbox);
    }

    /// <summary>Disposes every sandbox still live, then removes the run's folder and cgroups.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await Task.WhenAll(_live.Keys.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
        if (_capabilities.Cgroups is { } layout)
            foreach (var baseDir in layout.Bases) Cgroup.TryRemove(Path.Combine(baseDir, Reaper.CgroupName(RunId)));
        Workspace.Delete(_runDirectory);
    }
}
