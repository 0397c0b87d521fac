using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// The processes of a cluster test, all on this machine's loopback: a Redis server of the test's own and forge workers.
/// Disposing kills what is still running and checks nothing was left behind.
/// </summary>
internal sealed class ClusterProcesses : IDisposable
{
    private readonly List<Process> _processes = [];
    private readonly Dictionary<int, System.Text.StringBuilder> _errors = [];
    private readonly string _dir;

    public ClusterProcesses(string dir) => _dir = dir;

    public int RedisPort { get; private set; }

    private Process? _redis;
    private bool _durable;
    private IPAddress _bind = IPAddress.Loopback;

    /// <summary>
    /// Starts a Redis server on a free port of <paramref name="bind"/> (default loopback) and waits until it answers;
    /// <paramref name="durable"/>: with an append-only file fsynced on every write. Without redis-server on PATH the test
    /// skips (fails with CI=true: scripts/test installs it).
    /// </summary>
    public async Task StartRedisAsync(bool durable = false, int? port = null, IPAddress? bind = null)
    {
        var redisServer = Requirement.OnPath("redis-server", "scripts/install-redis installs it");
        RedisPort = port ?? LoopbackPort.Free();
        _durable = durable;
        _bind = bind ?? IPAddress.Loopback;
        var redisDir = Path.Combine(_dir, "redis");
        Directory.CreateDirectory(redisDir);
        // Off loopback (containers connect to it), protected mode would refuse clients: the test's own server has no password.
        var process = _redis = Start(redisServer, ["--port", RedisPort.ToString(), "--bind", _bind.ToString(), "--protected-mode", IPAddress.IsLoopback(_bind) ? "yes" : "no",
            "--save", "", "--appendonly", durable ? "yes" : "no", "--appendfsync", "always", "--dir", redisDir]);
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(_bind, RedisPort);
                return;
            }
            catch (SocketException)
            {
                if (process.HasExited) throw new InvalidOperationException($"redis-server exited with {process.ExitCode}");
                await Task.Delay(50);
            }
        }
        throw new TimeoutException("redis-server did not answer within 20 s");
    }

    /// <summary>Kills Redis (kill -9) and starts it again on the same port and folder after a second.</summary>
    public async Task RestartRedisAsync()
    {
        Kill9(_redis!);
        await Task.Delay(1000);
        await StartRedisAsync(_durable, RedisPort, _bind);
    }

    /// <summary>Starts <c>forge worker</c> and waits for its "joined" line; returns the process and the worker's address.</summary>
    public Task<(Process Process, string Address)> StartWorkerAsync(params string[] args) => StartWorkerAsync(new Dictionary<string, string>(), args);

    /// <summary>Like <see cref="StartWorkerAsync(string[])"/>, with <paramref name="environment"/> added to the worker's environment.</summary>
    public async Task<(Process Process, string Address)> StartWorkerAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var process = Start("env", ["--default-signal=INT", .. environment.Select(v => $"{v.Key}={v.Value}"), ForgeProcess.DotnetHost, Path.Combine(AppContext.BaseDirectory, "forge.dll"), "worker", .. args]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (line.StartsWith("worker ", StringComparison.Ordinal) && line.Contains(" joined cluster "))
            {
                _ = process.StandardOutput.ReadToEndAsync();   // keep draining
                return (process, line.Split(' ')[1]);
            }
        throw new InvalidOperationException($"forge worker exited ({(process.HasExited ? process.ExitCode : -1)}) without joining: {ErrorsOf(process)}");
    }

    private Process Start(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        if (file != "env") { _ = process.StandardOutput.ReadToEndAsync(); }
        // What a process says on stderr is kept: a failed assertion about a worker shows its log.
        var errors = new System.Text.StringBuilder();
        lock (_errors) _errors[process.Id] = errors;
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) lock (errors) errors.AppendLine(line); };
        process.BeginErrorReadLine();
        lock (_processes) _processes.Add(process);
        return process;
    }

    /// <summary>What <paramref name="process"/> wrote to stderr so far (its log).</summary>
    public string ErrorsOf(Process process)
    {
        System.Text.StringBuilder? errors;
        lock (_errors) _errors.TryGetValue(process.Id, out errors);
        if (errors is null) return "";
        lock (errors) return errors.ToString();
    }

    /// <summary>
    /// Stops a process as a user would (SIGTERM) and waits for it; true when it exited by itself in time: a worker takes up
    /// to <see cref="Forge.Cluster.Workers.ClusterWorker.StopTimeout"/> to leave the cluster, then removes its sandboxes (30 s more allowed).
    /// </summary>
    public static async Task<bool> StopAsync(Process process)
    {
        if (process.HasExited) return true;
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString()])) await term.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(Forge.Cluster.Workers.ClusterWorker.StopTimeout + TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static void Kill9(Process process)
    {
        using var kill = Process.Start("kill", ["-KILL", process.Id.ToString()])!;
        kill.WaitForExit();
        process.WaitForExit();
    }

    /// <summary>Every process below <paramref name="pid"/> (sandboxes, helpers a worker started), children first.</summary>
    public static IReadOnlyList<int> DescendantsOf(int pid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child)) continue;
            try { parents[child] = int.Parse(File.ReadAllText($"{dir}/stat").Split(')').Last().Trim().Split(' ')[1]); }
            catch (IOException) { }
        }
        var found = new List<int>();
        var frontier = new Queue<int>([pid]);
        while (frontier.TryDequeue(out var parent))
            foreach (var (child, p) in parents)
                if (p == parent) { found.Add(child); frontier.Enqueue(child); }
        return found;
    }

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Split(')').Last().Trim().StartsWith('Z');

    /// <summary>The local sandbox provider's run folders owned by process <paramref name="pid"/> (<c>/tmp/forge-sandboxes/PID-…</c>).</summary>
    public static IReadOnlyList<string> SandboxFoldersOf(int pid)
    {
        var root = Path.Combine(Path.GetTempPath(), "forge-sandboxes");
        return Directory.Exists(root) ? Directory.GetDirectories(root, $"{pid}-*") : [];
    }

    public void Dispose()
    {
        lock (_processes)
            foreach (var process in _processes)
            {
                try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.Dispose();
            }
    }
}
