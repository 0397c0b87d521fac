using System.Net;
using Forge.Agents.SemanticKernel;
using Forge.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Forge.Serving.Tests.Clients;

/// <summary>
/// Forge's semantic-kernel agent against a misbehaving endpoint: 429/503 with Retry-After are retried after the delay; a
/// reply without choices or a body that isn't a chat completion is a named agent error, not an exception from inside a library.
/// </summary>
public sealed class SemanticKernelAgentEndpointTests
{
    private const string Good = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Fine."},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}
        """;

    // A loopback endpoint whose n-th reply (from 0) is replies[min(n, last)].
    private static async Task<(WebApplication App, Uri V1, Func<int> Calls)> Endpoint(params (int Status, string Body, string? RetryAfter)[] replies)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var calls = 0;
        app.MapPost("/v1/chat/completions", async context =>
        {
            var (status, body, retryAfter) = replies[Math.Min(Interlocked.Increment(ref calls) - 1, replies.Length - 1)];
            context.Response.StatusCode = status;
            if (retryAfter is not null) context.Response.Headers.RetryAfter = retryAfter;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        return (app, new Uri(app.Urls.First().TrimEnd('/') + "/v1"), () => Volatile.Read(ref calls));
    }

    private static Task<Message> Act(Uri v1) =>
        new SemanticKernelAgent(new SemanticKernelAgentOptions { Endpoint = v1, Model = "m", ApiKeyEnvironmentVariable = "PATH" })
            .ActAsync(new AgentTurn("env", new Turn("t"), [Message.User("Hi")], [], null!), CancellationToken.None).AsTask();

    private sealed record Turn(string Id) : IEnvironmentTask;

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task ActAsync_BusyWithRetryAfter_RetriedAfterTheDelay(int status)
    {
        var (app, v1, calls) = await Endpoint((status, """{"error":{"message":"busy","type":"server_error","param":null,"code":null}}""", "1"), (200, Good, null));
        await using var _ = app;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var reply = await Act(v1);

        Assert.Equal("Fine.", reply.Content);
        Assert.Equal(2, calls());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed.TotalSeconds:0.00} s, before Retry-After");
    }

    [Theory]
    [InlineData("""{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[]}""", "empty_reply")]
    [InlineData("""{"id":"x","object":"chat.completion","cre""", "malformed_reply")]
    [InlineData("""not json at all""", "malformed_reply")]
    public async Task ActAsync_UnusableReply_NamedAgentError(string body, string code)
    {
        var (app, v1, _) = await Endpoint((200, body, null));
        await using var _ = app;

        var e = await Assert.ThrowsAsync<AgentReplyException>(() => Act(v1));

        Assert.Equal(code, e.Code);
    }
}
