using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// One command started in a container through the exec API, attached to its stdin/stdout/stderr. The command runs
/// under a small shell wrapper: <c>timeout -s KILL</c> enforces the deadline inside the container (so it holds even if
/// Forge dies), the wrapper records the command's process group so <see cref="KillAsync"/> can kill the whole tree,
/// and whatever the command left in its group is killed when it ends.
/// </summary>
internal sealed class ContainerExec : IDisposable
{
    // $1 = token, $2 = deadline in seconds (0: none), then the command. stdin is kept for the command (an asynchronous
    // list would get /dev/null). timeout makes itself the leader of a new process group; killing that group kills the tree.
    private const string Wrapper =
        "t=$1; d=$2; shift 2\n" +
        "exec 3<&0\n" +
        "timeout -s KILL \"$d\" \"$@\" <&3 3<&- &\n" +
        "p=$!\n" +
        "exec 3<&-\n" +
        "echo \"$p\" > \"/tmp/.forge-exec-$t\"\n" +
        "wait \"$p\"; rc=$?\n" +
        "kill -KILL -\"$p\" 2>/dev/null\n" +
        "rm -f \"/tmp/.forge-exec-$t\"\n" +
        "exit \"$rc\"\n";

    private const string KillGroup =
        "p=$(cat \"/tmp/.forge-exec-$1\" 2>/dev/null) && [ -n \"$p\" ] && kill -KILL -\"$p\" 2>/dev/null";

    private readonly DockerEngine _engine;
    private readonly string _containerId;
    private readonly string _token;

    private ContainerExec(DockerEngine engine, string containerId, string execId, string token, MultiplexedStream stream)
    {
        _engine = engine;
        _containerId = containerId;
        ExecId = execId;
        _token = token;
        Stream = stream;
    }

    public string ExecId { get; }

    /// <summary>The attached streams: stdin to write (then <see cref="MultiplexedStream.CloseWrite"/>), stdout and stderr to read.</summary>
    public MultiplexedStream Stream { get; }

    /// <summary>Starts <paramref name="command"/> in the container; <paramref name="deadline"/> null runs it without one.</summary>
    public static async Task<ContainerExec> StartAsync(
        DockerEngine engine, string containerId, string user, IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string> environment, TimeSpan? deadline, bool attachStdin, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid().ToString("N")[..12];
        var seconds = deadline is { } d ? Math.Max(0.01, d.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture) : "0";
        var created = await CreateAsync(engine, containerId, user, ["sh", "-c", Wrapper, "forge-exec", token, seconds, .. command],
            environment, attachStdin, cancellationToken).ConfigureAwait(false);
        var stream = await StartAttachedAsync(engine, created, cancellationToken).ConfigureAwait(false);
        return new ContainerExec(engine, containerId, created, token, stream);
    }

    /// <summary>Kills the command's whole process tree; when its group is unknown, every process of the sandbox but PID 1.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        var (code, _) = await RunQuietAsync(_engine, _containerId, ["sh", "-c", KillGroup, "forge-kill", _token], cancellationToken).ConfigureAwait(false);
        if (code != 0) await KillAllAsync(_engine, _containerId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills every process in the container except PID 1 (the reaper): the last resort when a tree escaped its group.</summary>
    public static Task KillAllAsync(DockerEngine engine, string containerId, CancellationToken cancellationToken = default) =>
        RunQuietAsync(engine, containerId, ["sh", "-c", "kill -KILL -1 2>/dev/null; exit 0"], cancellationToken);

    /// <summary>The exit code once the command has ended; -1 when the engine still reports it running after <paramref name="wait"/> (default 5 s).</summary>
    public async Task<int> ExitCodeAsync(CancellationToken cancellationToken, TimeSpan? wait = null)
    {
        var until = DateTime.UtcNow + (wait ?? TimeSpan.FromSeconds(5));
        for (var attempt = 0; ; attempt++)
        {
            var inspect = await _engine.CallAsync("inspect exec", (c, ct) => c.Exec.InspectContainerExecAsync(ExecId, ct), cancellationToken).ConfigureAwait(false);
            if (!inspect.Running) return (int)inspect.ExitCode;
            if (DateTime.UtcNow >= until) return -1;
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, 1 + attempt * 2)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a short helper command (no wrapper, no deadline of its own) and returns its exit code and stdout.</summary>
    public static async Task<(int ExitCode, string Stdout)> RunQuietAsync(DockerEngine engine, string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var execId = await CreateAsync(engine, containerId, user: "", command, new Dictionary<string, string>(), attachStdin: false, cancellationToken).ConfigureAwait(false);
        using var stream = await StartAttachedAsync(engine, execId, cancellationToken).ConfigureAwait(false);
        var (stdout, _) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
        var inspect = await engine.CallAsync("inspect exec", (c, ct) => c.Exec.InspectContainerExecAsync(execId, ct), cancellationToken).ConfigureAwait(false);
        return ((int)inspect.ExitCode, stdout);
    }

    private static async Task<string> CreateAsync(DockerEngine engine, string containerId, string user, IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string> environment, bool attachStdin, CancellationToken cancellationToken)
    {
        try
        {
            return await CreateCoreAsync(engine, containerId, user, command, environment, attachStdin, cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxException e) when (e.InnerException is DockerApiException { StatusCode: System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Conflict })
        {
            throw new SandboxException($"The Docker sandbox container {containerId[..12]} is gone or stopped (it died, or was removed from outside): {e.Message}", e);
        }
    }

    private static Task<string> CreateCoreAsync(DockerEngine engine, string containerId, string user, IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string> environment, bool attachStdin, CancellationToken cancellationToken) =>
        engine.CallAsync("create exec", async (c, ct) => (await c.Exec.ExecCreateContainerAsync(containerId, new ContainerExecCreateParameters
        {
            Cmd = [.. command],
            User = user,
            WorkingDir = ContainerSpec.Workspace,
            Env = [.. environment.Select(kv => $"{kv.Key}={kv.Value}")],
            AttachStdin = attachStdin,
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
        }, ct).ConfigureAwait(false)).ID, cancellationToken);

    // Starting an exec runs the command: never retried (it would run twice).
    private static async Task<MultiplexedStream> StartAttachedAsync(DockerEngine engine, string execId, CancellationToken cancellationToken)
    {
        try
        {
            return await engine.Client.Exec.StartAndAttachContainerExecAsync(execId, tty: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw engine.Translate("start exec", e);
        }
    }

    public void Dispose() => Stream.Dispose();
}
