using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core;
using Forge.Serving.Hosting;
using Forge.Serving.Policy;
using Forge.Training.Generation;
using TorchSharp;

namespace Forge.Cli.Commands.Bench;

/// <summary>Throughput and time to first token of one way of serving the same requests.</summary>
/// <param name="Mode"><c>in_process</c> (Generator, batch after batch) or <c>server</c>.</param>
/// <param name="Concurrency">Clients sending at once (the batch size in process).</param>
/// <param name="Requests">Requests served.</param>
/// <param name="OutputTokens">Tokens generated.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="TtftP50Ms">Median time to the first streamed token (server only).</param>
/// <param name="TtftP99Ms">99th percentile of it.</param>
/// <param name="CpuSeconds">Processor time this process used meanwhile (server, clients and decoding alike): less sensitive than wall time to what else the machine runs.</param>
internal sealed record ServeMeasurement(string Mode, int Concurrency, int Requests, long OutputTokens, double Seconds, double? TtftP50Ms, double? TtftP99Ms, double CpuSeconds)
{
    public double TokensPerSecond => OutputTokens / Seconds;

    /// <summary>Processor milliseconds per generated token.</summary>
    public double CpuMsPerToken => CpuSeconds * 1000 / OutputTokens;

    /// <summary>Tokens/s of every round, in round order (this measurement is the median one).</summary>
    public IReadOnlyList<double> RoundTokensPerSecond { get; init; } = [];
}

/// <summary>
/// <c>forge bench serve</c>'s measurement: the same chat requests served by <c>forge serve</c> (streaming, over loopback
/// HTTP) at several concurrencies, beside Forge's in-process <see cref="Generator"/> generating the same prompts in batches
/// of the highest concurrency, in the same run. As serving benchmarks do, every prompt has the same length and every reply
/// exactly <c>maxTokens</c> tokens (<c>ignore_eos</c>; no stop token in process), so each mode does the same work.
/// </summary>
internal static class ServeBenchmark
{
    /// <summary>
    /// Measures every mode <paramref name="rounds"/> times, the modes interleaved round by round (so a change in the
    /// machine's load hits all of them alike) and the two compared at the highest concurrency back to back, and returns
    /// per mode the round with the median tokens/s, carrying every round's figure, in a fixed order: the server's
    /// concurrencies, then the in-process batches.
    /// </summary>
    public static async Task<IReadOnlyList<ServeMeasurement>> RunAsync(ServeOptions options, IReadOnlyList<int> concurrencies, int requests, int maxTokens, int rounds,
        Action<string> progress)
    {
        var inProcessThreads = torch.get_num_threads();   // the process's libtorch threads, before the server's decode loop sets its own
        await using var host = await ServeHost.StartAsync(options);
        await host.Loaded;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(30) };
        using var policy = ServedPolicy.Load(options.ModelDirectory, Forge.Training.Devices.DeviceSelector.Resolve(options.Device));
        var prompts = Enumerable.Range(0, requests).Select(Prompt).ToList();
        var measured = new List<ServeMeasurement>();
        var top = concurrencies.Max();

        async Task ServerAt(int round, int c)
        {
            progress($"round {round}/{rounds}: server, {c} concurrent client(s)");
            measured.Add(await Serve(http, host.ModelName, prompts, c, maxTokens));
        }
        void InProcessAt(int round, int batch)
        {
            progress($"round {round}/{rounds}: in-process Generator, batches of {batch}");
            measured.Add(InProcess(policy, prompts, batch, maxTokens, inProcessThreads));
        }

        // Untimed: a wave at the highest concurrency, so that the server's code (admission, batching, streaming) is
        // compiled before the first timed round instead of during it, as in a server that has been up a while.
        progress("warm-up");
        await Serve(http, host.ModelName, prompts.Take(top).ToList(), top, maxTokens);
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var c in concurrencies.Where(c => c != top)) await ServerAt(round, c);
            if (top != 1) InProcessAt(round, 1);
            await ServerAt(round, top);
            InProcessAt(round, top);
        }
        return [.. measured.GroupBy(m => (m.Mode, m.Concurrency)).OrderBy(g => g.Key.Mode != "server").ThenBy(g => g.Key.Concurrency).Select(g =>
        {
            var sorted = g.OrderBy(m => m.TokensPerSecond).ToList();
            return sorted[(sorted.Count - 1) / 2] with { RoundTokensPerSecond = [.. g.Select(m => m.TokensPerSecond)] };
        })];
    }

    /// <summary>
    /// The server's tokens/s over the in-process batch's at the highest concurrency, round by round (the two ran back to
    /// back, so each ratio saw one load), and the median of those ratios.
    /// </summary>
    public static (IReadOnlyList<double> Rounds, double Median) PairedRatio(ServeMeasurement server, ServeMeasurement inProcess)
    {
        var ratios = server.RoundTokensPerSecond.Zip(inProcess.RoundTokensPerSecond, (s, p) => s / p).ToList();
        var sorted = ratios.Order().ToList();
        return (ratios, sorted[(sorted.Count - 1) / 2]);
    }

    /// <summary>Request <paramref name="i"/>'s prompt; every prompt has the same length (fixed-width numbers).</summary>
    internal static string Prompt(int i) => $"Request {i:D5}: summarise the ticket about order A-{i:D5} in one line.";

    private static async Task<ServeMeasurement> Serve(HttpClient http, string model, IReadOnlyList<string> prompts, int concurrency, int maxTokens)
    {
        var next = -1;
        var ttft = new List<double>();
        long tokens = 0;
        var cpu = CpuTime();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < prompts.Count)
            {
                var (first, count) = await Stream(http, model, prompts[i], maxTokens, i);
                lock (ttft)
                {
                    ttft.Add(first);
                    tokens += count;
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        ttft.Sort();
        return new ServeMeasurement("server", concurrency, prompts.Count, tokens, seconds, Percentile(ttft, 0.5), Percentile(ttft, 0.99), CpuTime() - cpu);
    }

    // One streamed request: milliseconds to its first chunk, and the completion tokens its usage reports.
    private static async Task<(double FirstMs, long Tokens)> Stream(HttpClient http, string model, string prompt, int maxTokens, int seed)
    {
        var body = new JsonObject
        {
            ["model"] = model, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
            ["max_tokens"] = maxTokens, ["ignore_eos"] = true, ["seed"] = seed, ["stream"] = true, ["stream_options"] = new JsonObject { ["include_usage"] = true },
        };
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        double? first = null;
        long tokens = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            first ??= clock.Elapsed.TotalMilliseconds;
            if (line == "data: [DONE]") break;
            // Only the usage chunk is parsed: the client shares the machine with the server, so it does no more than it must.
            if (!line.Contains("\"usage\":{", StringComparison.Ordinal)) continue;
            using var chunk = JsonDocument.Parse(line.AsMemory(6));
            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                tokens = usage.GetProperty("completion_tokens").GetInt64();
        }
        return (first ?? clock.Elapsed.TotalMilliseconds, tokens);
    }

    // The same prompts and seeds, batch after batch of `batch` rows, each row generating exactly maxTokens tokens, with
    // `threads` libtorch threads (set on the calling thread: a pool thread may have started with another count).
    private static ServeMeasurement InProcess(ServedPolicy policy, IReadOnlyList<string> prompts, int batch, int maxTokens, int threads)
    {
        _ = torch.get_num_threads();
        torch.set_num_threads(threads);
        var rows = prompts.Select((p, i) => new GenerationRequest(
            policy.Encoder.Encode([Message.User(p)], [], generationHeader: true).TokenIds, [], maxTokens, Seed: i)).ToList();
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = maxTokens };
        Generator.Generate(policy.Model, rows.Take(2).ToList(), options);   // warm-up
        var cpu = CpuTime();
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        foreach (var chunk in rows.Chunk(batch))
            tokens += Generator.Generate(policy.Model, chunk, options).Sum(r => (long)r.Tokens.Count);
        return new ServeMeasurement("in_process", batch, rows.Count, tokens, clock.Elapsed.TotalSeconds, null, null, CpuTime() - cpu);
    }

    private static double CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
