using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Recording.Index;
using Forge.Viewer;

namespace Forge.Cli.Commands.Bench;

/// <summary>What <c>forge bench view</c> measured, in milliseconds.</summary>
internal sealed record ViewerBenchmarkResult(int Episodes, long LogBytes, long IndexBytes, double WriteMs, double ColdOpenAndFilterMs, double OpenAndFilterMs,
    double FilterMs, int Matched, double LookupMeanMs, double LookupP99Ms, double PageLookupMeanMs);

/// <summary>
/// The viewer on a large log: writes <c>episodes</c> trajectories shaped like tool-using episodes (four environments, mixed
/// outcomes) to a log, then through the viewer's HTTP API times the episodes page's first filtered request on a fresh viewer
/// without an index (it is built from the log) and with one (the 2 s target), a second filter, and reading random episodes
/// by number straight from the index (the 5 ms target) and through the episode page's API.
/// </summary>
internal sealed class ViewerBenchmark(int episodes)
{
    private static readonly string[] Environments = ["math/arithmetic", "math/word-problems", "support/desk", "game/vault"];
    private const string Filter = "env=support/desk&success=no&sort=reward&desc=yes";
    private const string SecondFilter = "termination=truncated&min_reward=0.5&sort=duration";
    private const int Lookups = 1000;

    public async Task<ViewerBenchmarkResult> RunAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("forge-bench-view-");
        try
        {
            var clock = Stopwatch.StartNew();
            var log = await WriteLogAsync(folder.FullName, cancellationToken);
            var writeMs = clock.Elapsed.TotalMilliseconds;

            var (coldMs, _) = await FreshViewerRequestAsync(folder.FullName, $"api/episodes?log={TrajectoryRecorder.DefaultFileName}&{Filter}", cancellationToken);
            var (openMs, first) = await FreshViewerRequestAsync(folder.FullName, $"api/episodes?log={TrajectoryRecorder.DefaultFileName}&{Filter}", cancellationToken);
            double filterMs, pageLookupMs;
            await using (var viewer = await ViewerServer.StartAsync(new ViewerOptions { Path = folder.FullName }, cancellationToken))
            using (var http = new HttpClient { BaseAddress = viewer.Url })
            {
                await http.GetStringAsync($"api/episodes?log={TrajectoryRecorder.DefaultFileName}", cancellationToken);
                clock.Restart();
                await http.GetStringAsync($"api/episodes?log={TrajectoryRecorder.DefaultFileName}&{SecondFilter}", cancellationToken);
                filterMs = clock.Elapsed.TotalMilliseconds;
                var random = new Random(1);
                clock.Restart();
                for (var i = 0; i < 100; i++)
                    await http.GetStringAsync($"api/episode?log={TrajectoryRecorder.DefaultFileName}&n={random.Next(episodes)}", cancellationToken);
                pageLookupMs = clock.Elapsed.TotalMilliseconds / 100;
            }

            var (mean, p99) = Lookup(log);
            return new ViewerBenchmarkResult(episodes, new FileInfo(log).Length, new FileInfo(log + ".idx").Length, writeMs, coldMs, openMs, filterMs,
                first.GetProperty("matched").GetInt32(), mean, p99, pageLookupMs);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // A viewer started now (no index in memory), one request, the time to its answer.
    private static async Task<(double Ms, JsonElement Body)> FreshViewerRequestAsync(string folder, string path, CancellationToken cancellationToken)
    {
        await using var viewer = await ViewerServer.StartAsync(new ViewerOptions { Path = folder }, cancellationToken);
        using var http = new HttpClient { BaseAddress = viewer.Url, Timeout = TimeSpan.FromMinutes(5) };
        var clock = Stopwatch.StartNew();
        var body = await http.GetFromJsonAsync<JsonElement>(path, cancellationToken);
        return (clock.Elapsed.TotalMilliseconds, body);
    }

    private static (double Mean, double P99) Lookup(string log)
    {
        using var index = TrajectoryIndex.Open(log);
        var random = new Random(2);
        var times = new double[Lookups];
        index.Read(0);
        for (var i = 0; i < Lookups; i++)
        {
            var clock = Stopwatch.StartNew();
            index.Read(random.Next(index.Episodes.Count));
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return (times.Average(), times[(int)(Lookups * 0.99)]);
    }

    private async Task<string> WriteLogAsync(string folder, CancellationToken cancellationToken)
    {
        await using var recorder = new TrajectoryRecorder(folder, new RecorderOptions { Durability = RecordDurability.Buffered });
        const int chunk = 10_000;
        for (var start = 0; start < episodes; start += chunk)
        {
            var samples = RecorderBenchmark.SampleTrajectories(Math.Min(chunk, episodes - start), seed: start / chunk + 1);
            for (var i = 0; i < samples.Count; i++)
                await recorder.OnTrajectoryAsync(Vary(samples[i], start + i), cancellationToken);
        }
        await recorder.CompleteAsync(cancellationToken);
        return recorder.Path;
    }

    // Spread the samples over environments and outcomes, so that filters select a part of the log.
    private static Trajectory Vary(Trajectory t, int i)
    {
        var success = i % 3 != 0;
        var termination = i % 11 == 0 ? Termination.Truncated : i % 29 == 0 ? Termination.Errored : Termination.Terminated;
        return t with
        {
            EpisodeId = $"bench:{i}", EnvironmentId = Environments[i % Environments.Length], PolicyVersion = i / 5000,
            TotalReward = success ? 1.1 : (i % 7) / 7.0, Termination = termination,
            TruncationReason = termination == Termination.Truncated ? "max_turns" : null,
            Error = termination == Termination.Errored ? new EpisodeError(ErrorBoundary.Tool, "TimeoutException", "tool ran past its deadline") : null,
            Breakdown = t.Breakdown! with { Success = success, Total = success ? 1.1 : (i % 7) / 7.0 },
            ToolErrorCount = i % 13 == 0 ? 1 : 0, DurationMs = i % 997,
        };
    }
}
