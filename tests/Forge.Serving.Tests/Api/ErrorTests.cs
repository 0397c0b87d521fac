using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Forge.Serving.Hosting;
using Forge.Serving.Tests.Models;

namespace Forge.Serving.Tests.Api;

/// <summary>Every refusal in OpenAI's error shape with its status: 400 naming the field, 401, 403, 404, 413 (two kinds), 429, 503.</summary>
public sealed class ErrorTests
{
    private static async Task AssertError(HttpResponseMessage response, HttpStatusCode status, string? param, string messagePart, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Contains(messagePart, (string)error["message"]!);
        Assert.Equal(param, (string?)error["param"]);
        if (code is not null) Assert.Equal(code, (string?)error["code"]);
        Assert.NotNull((string?)error["type"]);
    }

    [Theory]
    [InlineData("""{"role":"wizard","content":"x"}""", "messages[0].role")]
    [InlineData("""{"role":"user"}""", "messages[0].content")]
    [InlineData("""{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}""", "messages[0].content[0].type")]
    [InlineData("""{"role":"tool","tool_call_id":"call_9","content":"x"}""", "messages[0].tool_call_id")]
    public async Task Post_BadMessage_400NamingTheField(string message, string param)
    {
        await using var server = await ServedModel.RandomAsync();
        var body = server.Chat();
        body["messages"] = new JsonArray(JsonNode.Parse(message));

        var (response, _) = await server.PostAsync("v1/chat/completions", body);

        await AssertError(response, HttpStatusCode.BadRequest, param, param);
    }

    [Theory]
    [InlineData("temperature", "3")]
    [InlineData("top_p", "0")]
    [InlineData("n", "0")]
    [InlineData("max_tokens", "-1")]
    [InlineData("top_logprobs", "5")]
    [InlineData("stop", "[\"a\",\"b\",\"c\",\"d\",\"e\"]")]
    [InlineData("tool_choice", "\"sometimes\"")]
    [InlineData("presence_penalty", "1.5")]
    public async Task Post_BadParameter_400NamingIt(string field, string value)
    {
        await using var server = await ServedModel.RandomAsync();
        var body = server.Chat();
        body[field] = JsonNode.Parse(value);

        var (response, _) = await server.PostAsync("v1/chat/completions", body);

        await AssertError(response, HttpStatusCode.BadRequest, field, field);
    }

    [Theory]
    [InlineData("temperature", "3", "temperature: expected a number in [0, 2] (got 3).")]
    [InlineData("top_p", "0", "top_p: expected a number in (0, 1] (got 0).")]
    [InlineData("top_p", "1.5", "top_p: expected a number in (0, 1] (got 1.5).")]
    public async Task Post_NumberOutOfRange_400SayingTheRangeItTakes(string field, string value, string message)
    {
        await using var server = await ServedModel.RandomAsync();
        var body = server.Chat();
        body[field] = JsonNode.Parse(value);

        var (response, _) = await server.PostAsync("v1/chat/completions", body);

        await AssertError(response, HttpStatusCode.BadRequest, field, message);
    }

    [Fact]
    public async Task Post_NotJson_400()
    {
        await using var server = await ServedModel.RandomAsync();

        var response = await server.Http.PostAsync("v1/chat/completions", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        await AssertError(response, HttpStatusCode.BadRequest, null, "not valid JSON");
    }

    [Fact]
    public async Task Post_UnknownModel_404()
    {
        await using var server = await ServedModel.RandomAsync();
        var body = server.Chat();
        body["model"] = "gpt-4o";

        var (response, _) = await server.PostAsync("v1/chat/completions", body);

        await AssertError(response, HttpStatusCode.NotFound, "model", "gpt-4o", "model_not_found");
    }

    [Fact]
    public async Task Post_PromptLongerThanContext_413ContextLengthExceeded()
    {
        await using var server = await ServedModel.RandomAsync(o => o with { MaxContext = 32 });

        var (response, _) = await server.PostAsync("v1/chat/completions", server.Chat(new string('x', 40)));

        await AssertError(response, HttpStatusCode.RequestEntityTooLarge, "messages", "context is 32 tokens", "context_length_exceeded");
    }

    [Fact]
    public async Task Post_BodyOverTheCap_413()
    {
        await using var server = await ServedModel.RandomAsync(o => o with { MaxBodyBytes = 2048 });

        var (response, _) = await server.PostAsync("v1/chat/completions", server.Chat(new string('x', 5000)));

        await AssertError(response, HttpStatusCode.RequestEntityTooLarge, null, "2048 bytes", "request_too_large");
    }

    [Fact]
    public async Task Post_WithoutOrWithWrongKey_401_HealthStaysOpen()
    {
        await using var server = await ServedModel.RandomAsync(o => o with { ApiKey = "right-key-123" });
        using var anonymous = new HttpClient { BaseAddress = server.Host.Address };

        var missing = await anonymous.PostAsJsonAsync("v1/chat/completions", server.Chat());
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong-key-123");
        var wrong = await anonymous.GetAsync("v1/models");
        var (right, body) = await server.PostAsync("v1/chat/completions", server.Chat());

        await AssertError(missing, HttpStatusCode.Unauthorized, null, "API key", "invalid_api_key");
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        await AssertError(wrong, HttpStatusCode.Unauthorized, null, "API key");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("chat.completion", (string?)body!["object"]);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("health")).StatusCode);
    }

    [Fact]
    public async Task Post_WhileLoading_503WithRetryAfter_ThenServes()
    {
        var gate = new TaskCompletionSource();
        await using var server = await ServedModel.StartAsync(dir => TestModels.RandomCheckpoint(dir), loadGate: gate.Task);

        var (loading, _) = await server.PostAsync("v1/chat/completions", new JsonObject { ["model"] = "tiny", ["messages"] = new JsonArray() });
        var health = await server.Http.GetAsync("health");
        gate.SetResult();
        await server.Host.Loaded;
        var (ready, _) = await server.PostAsync("v1/chat/completions", server.Chat());

        await AssertError(loading, HttpStatusCode.ServiceUnavailable, null, "loading", "model_loading");
        Assert.Equal("1", loading.Headers.RetryAfter!.ToString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("\"loading\"", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Post_MoreChoicesThanBatchAndQueueHold_400NamingN()
    {
        await using var server = await ServedModel.RandomAsync(o => o with { MaxBatch = 1, MaxQueue = 1 });
        var body = server.Chat();
        body["n"] = 3;

        var (response, _) = await server.PostAsync("v1/chat/completions", body);

        await AssertError(response, HttpStatusCode.BadRequest, "n", "n: this server takes at most 2 choices in one request (its batch of 1 and queue of 1).");
    }

    [Fact]
    public async Task Post_QueueFull_429WithRetryAfter()
    {
        await using var server = await ServedModel.RandomAsync(o => o with { MaxBatch = 1, MaxQueue = 1 }, context: 4096);
        using var cancel = new CancellationTokenSource();
        // Both long requests run to max_tokens: an end-of-turn token the random model samples must not end one early.
        var @long = server.Chat(maxTokens: 4000);
        @long["ignore_eos"] = true;
        var running = server.PostAsync("v1/chat/completions", @long, cancel.Token);
        await Until(server, h => h.GetProperty("running").GetInt32() == 1);
        var queued = server.PostAsync("v1/chat/completions", @long.DeepClone(), cancel.Token);
        await Until(server, h => h.GetProperty("queued").GetInt32() == 1);

        var (refused, _) = await server.PostAsync("v1/chat/completions", server.Chat());

        await AssertError(refused, HttpStatusCode.TooManyRequests, null, "queue is full", "queue_full");
        Assert.Equal("1", refused.Headers.RetryAfter!.ToString());
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
    }

    [Fact]
    public async Task Admin_ServerWithoutKey_403()
    {
        await using var server = await ServedModel.RandomAsync();

        var (response, _) = await server.PostAsync("v1/admin/load", new JsonObject { ["checkpoint"] = "/tmp" });

        await AssertError(response, HttpStatusCode.Forbidden, null, "--api-key-env", "admin_disabled");
    }

    [Fact]
    public async Task UnknownPath_404Json()
    {
        await using var server = await ServedModel.RandomAsync();

        var response = await server.Http.GetAsync("v1/embeddings");

        await AssertError(response, HttpStatusCode.NotFound, null, "/v1/embeddings", "unknown_url");
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.168.1.20")]
    public void Validate_NonLoopbackWithoutKey_NamesHostAndTheFlag(string host)
    {
        var e = Assert.Throws<ArgumentException>(() => new ServeOptions { ModelDirectory = "m", Host = host }.Validate());

        Assert.Contains($"--host {host}", e.Message);
        Assert.Contains("--api-key-env", e.Message);
        new ServeOptions { ModelDirectory = "m", Host = host, ApiKey = "long-enough-key" }.Validate();
    }

    internal static async Task Until(ServedModel server, Func<System.Text.Json.JsonElement, bool> condition, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition(await server.HealthAsync()))
        {
            if (Environment.TickCount64 > deadline) throw new TimeoutException($"health never met the condition: {await server.HealthAsync()}");
            await Task.Delay(20);
        }
    }
}
