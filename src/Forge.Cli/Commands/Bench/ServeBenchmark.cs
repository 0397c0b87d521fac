using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core;
using Forge.Serving.Hosting;
using Forge.Serving.Policy;
using Forge.Training.Generation;

namespace Forge.Cli.Commands.Bench;

/// <summary>Throughput and time to first token of one way of serving the same requests.</summary>
/// <param name="Mode"><c>in_process</c> (Generator, one batch) or <c>server</c>.</param>
/// <param name="Concurrency">Clients sending at once (the batch size in process).</param>
/// <param name="Requests">Requests served.</param>
/// <param name="OutputTokens">Tokens generated.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="TtftP50Ms">Median time to the first streamed token (server only).</param>
/// <param name="TtftP99Ms">99th percentile of it.</param>
internal sealed record ServeMeasurement(string Mode, int Concurrency, int Requests, long OutputTokens, double Seconds, double? TtftP50Ms, double? TtftP99Ms)
{
    public double TokensPerSecond => OutputTokens / Seconds;
}

/// <summary>
/// <c>forge bench serve</c>'s measurement: the same chat requests served by <c>forge serve</c> (streaming, over loopback
/// HTTP) at several concurrencies, beside Forge's in-process <see cref="Generator"/> generating the same prompts in one
/// batch, in the same run.
/// </summary>
internal static class ServeBenchmark
{
    public static async Task<IReadOnlyList<ServeMeasurement>> RunAsync(ServeOptions options, IReadOnlyList<int> concurrencies, int requests, int maxTokens, Action<string> progress)
    {
        await using var host = await ServeHost.StartAsync(options);
        await host.Loaded;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(30) };
        var prompts = Enumerable.Range(0, requests).Select(i => $"Request {i}: summarise the ticket about order A-{1000 + i} in one line.").ToList();
        var results = new List<ServeMeasurement>();

        progress("warm-up");
        await Serve(http, host.ModelName, prompts.Take(2).ToList(), 2, maxTokens);
        foreach (var c in concurrencies)
        {
            progress($"server, {c} concurrent client(s)");
            results.Add(await Serve(http, host.ModelName, prompts, c, maxTokens));
        }

        progress("in-process Generator, one batch");
        using var policy = ServedPolicy.Load(options.ModelDirectory, Forge.Training.Devices.DeviceSelector.Resolve(options.Device));
        results.Add(InProcess(policy, prompts, maxTokens));
        return results;
    }

    private static async Task<ServeMeasurement> Serve(HttpClient http, string model, IReadOnlyList<string> prompts, int concurrency, int maxTokens)
    {
        var next = -1;
        var ttft = new List<double>();
        long tokens = 0;
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
        return new ServeMeasurement("server", concurrency, prompts.Count, tokens, seconds, Percentile(ttft, 0.5), Percentile(ttft, 0.99));
    }

    // One streamed request: milliseconds to its first chunk, and the completion tokens its usage reports.
    private static async Task<(double FirstMs, long Tokens)> Stream(HttpClient http, string model, string prompt, int maxTokens, int seed)
    {
        var body = new JsonObject
        {
            ["model"] = model, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
            ["max_tokens"] = maxTokens, ["seed"] = seed, ["stream"] = true, ["stream_options"] = new JsonObject { ["include_usage"] = true },
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
            using var chunk = JsonDocument.Parse(line.AsMemory(6));
            if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                tokens = usage.GetProperty("completion_tokens").GetInt64();
        }
        return (first ?? clock.Elapsed.TotalMilliseconds, tokens);
    }

    private static ServeMeasurement InProcess(ServedPolicy policy, IReadOnlyList<string> prompts, int maxTokens)
    {
        var rows = prompts.Select((p, i) => new GenerationRequest(
            policy.Encoder.Encode([Message.User(p)], [], generationHeader: true).TokenIds, policy.StopTokens, maxTokens, Seed: i)).ToList();
        var options = new SamplingOptions { Temperature = 1.0, MaxNewTokens = maxTokens };
        Generator.Generate(policy.Model, rows.Take(2).ToList(), options);   // warm-up
        var clock = Stopwatch.StartNew();
        var results = Generator.Generate(policy.Model, rows, options);
        return new ServeMeasurement("in_process", rows.Count, rows.Count, results.Sum(r => (long)r.Tokens.Count), clock.Elapsed.TotalSeconds, null, null);
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
