using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Forge.Serving.Tests.Api;
using Forge.Serving.Tests.Models;

namespace Forge.Serving.Tests.Batching;

/// <summary>
/// Continuous batching through the HTTP API on a random checkpoint: concurrent requests share decode steps and draw the
/// tokens each draws alone with its seed; a client that goes away frees its row at once; hot reload swaps weights and the
/// version header says which served.
/// </summary>
public sealed class ContinuousBatchingTests
{
    // The generated token ids of one reply, read from its logprobs (bytes of each token).
    private static async Task<string> Tokens(ServedModel server, JsonObject body, CancellationToken cancellationToken = default)
    {
        body["logprobs"] = true;
        var (response, json) = await server.PostAsync("v1/chat/completions", body, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, json?.ToJsonString());
        var tokens = json!["choices"]![0]!["logprobs"]!["content"]!.AsArray().Select(t => string.Join('.', t!["bytes"]!.AsArray().Select(b => (int)b!)));
        return string.Join(' ', tokens) + "|" + (string?)json["choices"]![0]!["finish_reason"];
    }

    [Fact]
    public async Task ConcurrentRequests_ShareStepsAndGiveTheTokensOfEachAlone()
    {
        await using var server = await ServedModel.RandomAsync(o => o with { MaxBatch = 8 });
        var bodies = Enumerable.Range(0, 6).Select(i =>
        {
            var body = server.Chat($"request {i} {new string('z', i * 7)}", maxTokens: 120, seed: 100 + i);
            body["temperature"] = 1.0;
            if (i % 2 == 1) body["top_p"] = 0.9;
            return body;
        }).ToList();
        var alone = new List<string>();
        foreach (var body in bodies) alone.Add(await Tokens(server, (JsonObject)body.DeepClone()));
        var before = server.Host.Counts;

        var together = await Task.WhenAll(bodies.Select(b => Tokens(server, (JsonObject)b.DeepClone())));

        var after = server.Host.Counts;
        Assert.Equal(alone, together);
        Assert.Equal(6, alone.Distinct().Count());   // seeds matter: the replies differ
        Assert.True(after.Steps - before.Steps < after.Tokens - before.Tokens,
            $"{after.Steps - before.Steps} steps for {after.Tokens - before.Tokens} tokens: the requests were not batched");
    }

    [Fact]
    public async Task NChoices_SeedPlusIndexEach()
    {
        await using var server = await ServedModel.RandomAsync();
        var body = server.Chat(maxTokens: 20, seed: 40);
        body["n"] = 3;

        var (_, json) = await server.PostAsync("v1/chat/completions", body);
        var choices = json!["choices"]!.AsArray();
        var single = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => server.PostAsync("v1/chat/completions", server.Chat(maxTokens: 20, seed: 40 + i))));

        Assert.Equal([0, 1, 2], choices.Select(c => (int)c!["index"]!));
        for (var i = 0; i < 3; i++)
            Assert.Equal((string?)single[i].Body!["choices"]![0]!["message"]!["content"], (string?)choices[i]!["message"]!["content"]);
        Assert.Equal((int)json["usage"]!["completion_tokens"]!, single.Sum(s => (int)s.Body!["usage"]!["completion_tokens"]!));
    }

    [Fact]
    public async Task StreamingClientDisconnects_RowLeavesTheBatchAtOnce()
    {
        // A long reply (the end-of-turn token does not end it), so the row is still decoding when a loaded machine gets
        // round to polling /health.
        const int MaxTokens = 16_000;
        await using var server = await ServedModel.RandomAsync(context: 16_384);
        var body = server.Chat(maxTokens: MaxTokens);
        body["stream"] = true;
        body["ignore_eos"] = true;
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonContent.Create(body) };
        var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var stream = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: {", await stream.ReadLineAsync());
        await ErrorTests.Until(server, h => h.GetProperty("running").GetInt32() == 1);

        response.Dispose();   // the client goes away mid-stream

        await ErrorTests.Until(server, h => h.GetProperty("running").GetInt32() == 0);
        var tokens = server.Host.Counts.Tokens;
        await Task.Delay(100);
        Assert.Equal(tokens, server.Host.Counts.Tokens);   // nothing decodes any more
        Assert.True(tokens < MaxTokens, $"{tokens} tokens: the row ran to its end instead of leaving");
    }

    [Fact]
    public async Task AdminLoad_SwapsWeights_VersionHeaderFollows()
    {
        const string Key = "admin-key-123";
        await using var server = await ServedModel.RandomAsync(o => o with { ApiKey = Key });
        var other = TestModels.RandomCheckpoint(Path.Combine(Path.GetTempPath(), $"forge-serve-next-{Guid.NewGuid():N}"), seed: 2, policyVersion: 9);
        var smaller = TestModels.RandomCheckpoint(Path.Combine(Path.GetTempPath(), $"forge-serve-small-{Guid.NewGuid():N}"), context: 64);
        try
        {
            var (beforeResponse, beforeBody) = await server.PostAsync("v1/chat/completions", server.Chat(maxTokens: 30));

            var (load, loaded) = await server.PostAsync("v1/admin/load", new JsonObject { ["checkpoint"] = other });
            var (afterResponse, afterBody) = await server.PostAsync("v1/chat/completions", server.Chat(maxTokens: 30));
            var (mismatch, mismatchBody) = await server.PostAsync("v1/admin/load", new JsonObject { ["checkpoint"] = smaller });
            var (missing, missingBody) = await server.PostAsync("v1/admin/load", new JsonObject { ["checkpoint"] = "/nowhere/at/all" });

            Assert.Equal("3", beforeResponse.Headers.GetValues("x-forge-policy-version").Single());
            Assert.True(load.IsSuccessStatusCode, loaded?.ToJsonString());
            Assert.Equal(9, (int)loaded!["policy_version"]!);
            Assert.Equal("9", afterResponse.Headers.GetValues("x-forge-policy-version").Single());
            Assert.Equal("forge-policy-v9", (string?)afterBody!["system_fingerprint"]);
            Assert.NotEqual(beforeBody!["choices"]![0]!["message"]!["content"]!.ToJsonString(), afterBody["choices"]![0]!["message"]!["content"]!.ToJsonString());
            Assert.Equal(400, (int)mismatch.StatusCode);
            Assert.Equal("checkpoint", (string?)mismatchBody!["error"]!["param"]);
            Assert.Equal(400, (int)missing.StatusCode);
            Assert.Contains("/nowhere/at/all", (string)missingBody!["error"]!["message"]!);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
            Directory.Delete(smaller, recursive: true);
        }
    }
}
