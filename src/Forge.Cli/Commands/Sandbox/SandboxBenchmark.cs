using System.Diagnostics;
using Forge.Core;
using Forge.Host;
using Forge.Host.Registry;
using Forge.Sandbox;

namespace Forge.Cli.Commands.Sandbox;

/// <summary>Latency percentiles of one measured operation, in milliseconds.</summary>
internal sealed record Latency(string Name, int Samples, double P50, double P99, double Mean)
{
    public static Latency Of(string name, List<double> milliseconds)
    {
        milliseconds.Sort();
        double At(double q) => milliseconds[Math.Min(milliseconds.Count - 1, (int)Math.Ceiling(q * milliseconds.Count) - 1)];
        return new Latency(name, milliseconds.Count, At(0.50), At(0.99), milliseconds.Average());
    }
}

/// <summary>What <c>forge bench sandbox</c> measured for one backend.</summary>
/// <paramref name="Reset"/>: for Docker, how long a container takes from its episode's end to waiting in the pool again (reset, verified, driver started).
internal sealed record BackendResult(string Backend, SandboxIsolation Isolation, Latency Acquire, Latency Cold, Latency Warm, Latency? Reset,
    IReadOnlyList<(int Concurrency, int Episodes, double EpisodesPerSecond, double MeanUnitTests)> Episodes);

/// <summary>
/// Measures a sandbox backend: acquiring a sandbox, a cold <c>print(1)</c> (a new python3 process in the sandbox), a warm
/// <c>print(1)</c> (the persistent interpreter), and episodes/s of <c>code/python-functions</c> with its scripted solver
/// through the rollout engine. Baselines are measured in the same run: python3 started directly on the host, and the
/// local launcher, pool and driver without namespaces (what isolation itself costs).
/// </summary>
internal sealed class SandboxBenchmark(int samples, int episodes)
{
    private static readonly string[] ColdPrint = ["python3", "-c", "print(1)"];

    public async Task<BackendResult> MeasureAsync(ISandboxProvider provider, RegisteredEnvironment coding, CancellationToken cancellationToken)
    {
        var latencies = await MeasureLatenciesAsync(provider, cancellationToken);
        var rates = await EpisodeRatesAsync(provider, coding, cancellationToken);
        return new BackendResult(provider.Backend, provider.Isolation, latencies[0], latencies[1], latencies[2], latencies.ElementAtOrDefault(3), rates);
    }

    /// <summary>Episodes/s of <paramref name="coding"/> on <paramref name="provider"/> at concurrency 1 and 8.</summary>
    public async Task<IReadOnlyList<(int Concurrency, int Episodes, double EpisodesPerSecond, double MeanUnitTests)>> EpisodeRatesAsync(
        ISandboxProvider provider, RegisteredEnvironment coding, CancellationToken cancellationToken)
    {
        var rates = new List<(int, int, double, double)>();
        foreach (var concurrency in new[] { 1, 8 })
            rates.Add(await EpisodesAsync(provider, coding, concurrency, cancellationToken));
        return rates;
    }

    /// <summary>Acquire, cold print(1) and warm print(1) latencies of <paramref name="provider"/>, in that order; for Docker, then the container reset.</summary>
    public async Task<IReadOnlyList<Latency>> MeasureLatenciesAsync(ISandboxProvider provider, CancellationToken cancellationToken)
    {
        // Warm-up: first process starts, JIT, the driver's first start.
        await using (var warmup = await provider.AcquireAsync(cancellationToken))
        {
            await warmup.RunAsync(new ExecRequest(ColdPrint), cancellationToken);
            await warmup.RunPythonAsync(new PythonRequest("print(1)"), cancellationToken);
        }
        await WaitForPoolAsync(provider, cancellationToken);

        var acquire = new List<double>();
        var reset = new List<double>();
        var docker = provider as Forge.Sandbox.Docker.DockerSandboxProvider;
        if (docker is not null) await docker.WaitForPoolAsync(cancellationToken);
        for (var i = 0; i < samples; i++)
        {
            // Acquire from a warm pool, as episodes that last longer than a container start see it.
            var clock = Stopwatch.StartNew();
            var sandbox = await provider.AcquireAsync(cancellationToken);
            acquire.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await sandbox.DisposeAsync();
            if (docker is null) continue;
            await docker.WaitForPoolAsync(cancellationToken); // the container back in the pool: reset, verified, its next driver started
            reset.Add(clock.Elapsed.TotalMilliseconds);
        }

        await WaitForPoolAsync(provider, cancellationToken);
        var cold = new List<double>();
        var warm = new List<double>();
        await using (var sandbox = await provider.AcquireAsync(cancellationToken))
        {
            for (var i = 0; i < Math.Max(10, samples / 4); i++)
                cold.Add(await TimeAsync(() => sandbox.RunAsync(new ExecRequest(ColdPrint), cancellationToken), "1\n"));
            await sandbox.RunPythonAsync(new PythonRequest("print(1)"), cancellationToken);
            for (var i = 0; i < samples * 2; i++)
                warm.Add(await TimeAsync(() => sandbox.RunPythonAsync(new PythonRequest("print(1)"), cancellationToken), "1\n"));
        }
        List<Latency> latencies = [Latency.Of("acquire", acquire), Latency.Of("cold print(1)", cold), Latency.Of("warm print(1)", warm)];
        if (docker is not null) latencies.Add(Latency.Of("reset for the next episode", reset));
        return latencies;
    }

    /// <summary>Lets a backend's pool refill after the acquire loop, so that refilling doesn't run beside the timed executions.</summary>
    private static async Task WaitForPoolAsync(ISandboxProvider provider, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        if (provider is Forge.Sandbox.Local.LocalSandboxProvider local) await local.WaitForPoolAsync(limit.Token);
    }

    /// <summary>The baseline for a cold run: <c>python3 -c print(1)</c> started directly on the host, no sandbox (the python3 a sandbox finds first on its PATH).</summary>
    public async Task<Latency> HostPythonAsync(CancellationToken cancellationToken)
    {
        var python = new[] { "/usr/local/bin/python3", "/usr/bin/python3", "/bin/python3" }.FirstOrDefault(File.Exists) ?? "python3";
        var times = new List<double>();
        for (var i = 0; i < Math.Max(10, samples / 4) + 1; i++)
        {
            var clock = Stopwatch.StartNew();
            var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("print(1)");
            using var process = Process.Start(info)!;
            await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (i > 0) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return Latency.Of($"{python} -c print(1) on the host, no sandbox", times);
    }

    private static async Task<double> TimeAsync(Func<Task<ExecResult>> run, string expected)
    {
        var clock = Stopwatch.StartNew();
        var result = await run();
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (result.Stdout != expected)
            throw new InvalidOperationException($"The benchmark's print(1) printed '{result.Stdout.Trim()}' (exit {result.ExitCode}, {result.Limit}): {result.Stderr.Trim()}");
        return elapsed;
    }

    private async Task<(int, int, double, double)> EpisodesAsync(ISandboxProvider provider, RegisteredEnvironment coding, int concurrency, CancellationToken cancellationToken)
    {
        var environment = coding;
        var tasks = environment.Tasks(seed: 1);
        var requests = Enumerable.Range(0, episodes).Select(i => new EpisodeRequest($"bench-{concurrency}-{i}", environment.Id, tasks[i % tasks.Count], i, $"g{i}")
        {
            Limits = environment.Limits,
            RewardMode = environment.RewardMode,
        }).ToList();
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = concurrency, RunId = $"bench-sandbox-{concurrency}" },
            _ => environment.Create(), environment.CreateSolver()!, provider);
        var rewards = new RewardSink();
        var summary = await engine.RunAsync(requests, [rewards], cancellationToken);
        if (rewards.Count != episodes || rewards.FirstError is not null)
            throw new InvalidOperationException($"The benchmark's rollout finished {rewards.Count} of {episodes} episodes; first error: {rewards.FirstError ?? "none"}.");
        return (concurrency, summary.Episodes, summary.EpisodesPerSecond, rewards.Mean);
    }

    /// <summary>Counts finished episodes and averages their unit-test score; the first error is kept to explain a failed run.</summary>
    private sealed class RewardSink : ITrajectorySink
    {
        private double _sum;

        public int Count { get; private set; }

        public string? FirstError { get; private set; }

        public double Mean => Count == 0 ? 0 : _sum / Count;

        public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
        {
            _sum += trajectory.Breakdown?.Scores.GetValueOrDefault("unit_tests") ?? 0;
            Count++;
            if (trajectory.Error is { } error) FirstError ??= $"{error.Boundary}: {error.Type}: {error.Message}";
            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
