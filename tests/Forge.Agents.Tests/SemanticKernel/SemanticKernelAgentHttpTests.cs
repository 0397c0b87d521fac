using System.Text.Json;
using Forge.Agents.SemanticKernel;
using Forge.Core;

namespace Forge.Agents.Tests.SemanticKernel;

/// <summary>The agent against a real (loopback) OpenAI-compatible HTTP server, with the tool executed by the environment's dispatcher.</summary>
public sealed class SemanticKernelAgentHttpTests
{
    private const string ToolCallReply = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1764158400,"model":"tiny-model",
         "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
           "tool_calls":[{"id":"call_abc","type":"function","function":{"name":"multiply","arguments":"{\"a\":6,\"b\":7}"}}]}}],
         "usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28}}
        """;

    private const string FinalReply = """
        {"id":"chatcmpl-2","object":"chat.completion","created":1764158401,"model":"tiny-model",
         "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"The answer is 42."}}],
         "usage":{"prompt_tokens":30,"completion_tokens":5,"total_tokens":35}}
        """;

    private const string BrokenArgumentsReply = """
        {"id":"chatcmpl-3","object":"chat.completion","created":1764158402,"model":"tiny-model",
         "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
           "tool_calls":[{"id":"call_bad","type":"function","function":{"name":"multiply","arguments":"{\"a\":6,"}}]}}]}
        """;

    [Fact]
    public async Task ActAsync_ToolCallThenAnswer_EnvironmentExecutesTheCallBetweenTurns()
    {
        await using var server = new LoopbackChatServer(ToolCallReply, FinalReply);
        Environment.SetEnvironmentVariable("FORGE_TEST_SK_KEY", "sk-test-123");
        using var agent = new SemanticKernelAgent(new SemanticKernelAgentOptions
        {
            Endpoint = server.Endpoint, Model = "tiny-model", ApiKeyEnvironmentVariable = "FORGE_TEST_SK_KEY", Temperature = 0, MaxTokens = 32,
        });
        var conversation = new List<Message> { Message.System("Use the tools."), Message.User("What is 6 * 7?") };

        var first = await agent.ActAsync(TestTurns.Turn(conversation), CancellationToken.None);
        var call = Assert.Single(first.ToolCalls);
        Assert.Equal(("call_abc", "multiply", """{"a":6,"b":7}"""), (call.Id, call.Name, call.ArgumentsJson));

        conversation.Add(first);
        conversation.Add(await TestTurns.Dispatcher.InvokeAsync(call, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None));
        var second = await agent.ActAsync(TestTurns.Turn(conversation), CancellationToken.None);

        Assert.Equal("The answer is 42.", second.Content);
        Assert.Empty(second.ToolCalls);

        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal("/v1/chat/completions", r.Path));
        Assert.All(server.Requests, r => Assert.Equal("Bearer sk-test-123", r.Authorization));

        using var request1 = JsonDocument.Parse(server.Requests[0].Body);
        Assert.Equal("tiny-model", request1.RootElement.GetProperty("model").GetString());
        Assert.Equal(32, request1.RootElement.GetProperty("max_completion_tokens").GetInt32());
        var tools = request1.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("function")).ToList();
        Assert.Equal(["multiply", "lookup"], tools.Select(t => t.GetProperty("name").GetString()));
        var parameters = tools[0].GetProperty("parameters");
        Assert.Equal(["a", "b"], parameters.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("integer", parameters.GetProperty("properties").GetProperty("a").GetProperty("type").GetString());

        using var request2 = JsonDocument.Parse(server.Requests[1].Body);
        var messages = request2.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("call_abc", messages[2].GetProperty("tool_calls")[0].GetProperty("id").GetString());
        Assert.Equal("call_abc", messages[3].GetProperty("tool_call_id").GetString());
        Assert.Equal("42", messages[3].GetProperty("content").ValueKind == JsonValueKind.String
            ? messages[3].GetProperty("content").GetString()
            : messages[3].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task ActAsync_ModelWritesBrokenArguments_TheyArriveVerbatimForTheEnvironmentToReject()
    {
        await using var server = new LoopbackChatServer(BrokenArgumentsReply);
        using var agent = new SemanticKernelAgent(new SemanticKernelAgentOptions { Endpoint = server.Endpoint, Model = "tiny-model", ApiKeyEnvironmentVariable = "FORGE_TEST_UNSET_KEY" });

        var reply = await agent.ActAsync(TestTurns.Turn([Message.User("6*7?")]), CancellationToken.None);
        var call = Assert.Single(reply.ToolCalls);
        var result = await TestTurns.Dispatcher.InvokeAsync(call, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None);

        Assert.Equal("""{"a":6,""", call.ArgumentsJson);
        Assert.True(result.IsError);
    }

    [Fact]
    public async Task ActAsync_EndpointReportsUsage_MessageCarriesItAndTheTrajectoryCountsItInsteadOfTheEstimate()
    {
        await using var server = new LoopbackChatServer(ToolCallReply, BrokenArgumentsReply);
        using var agent = new SemanticKernelAgent(new SemanticKernelAgentOptions { Endpoint = server.Endpoint, Model = "tiny-model", ApiKeyEnvironmentVariable = "FORGE_TEST_UNSET_KEY" });

        var reported = await agent.ActAsync(TestTurns.Turn([Message.User("6*7?")]), CancellationToken.None);
        var unreported = await agent.ActAsync(TestTurns.Turn([Message.User("6*7?")]), CancellationToken.None);

        Assert.Equal((20, 8), (reported.PromptTokens, reported.CompletionTokens));
        Assert.Equal((null, null), (unreported.PromptTokens, unreported.CompletionTokens));
        var task = TestTurns.Turn([]).Task;
        var endpointOnly = new RewardContext(task, [Message.User("6*7?"), reported]);
        Assert.Equal((8, TokenCountSource.Endpoint, (int?)20), (endpointOnly.AssistantTokens, endpointOnly.TokenCount, endpointOnly.PromptTokens));
        // "multiply" + {"a":6, is 15 characters: 4 tokens by the estimate.
        var mixed = new RewardContext(task, [Message.User("6*7?"), reported, unreported]);
        Assert.Equal((8 + 4, TokenCountSource.Mixed, (int?)20), (mixed.AssistantTokens, mixed.TokenCount, mixed.PromptTokens));
        var estimated = new RewardContext(task, [Message.User("6*7?"), unreported]);
        Assert.Equal((4, TokenCountSource.Estimate, (int?)null), (estimated.AssistantTokens, estimated.TokenCount, estimated.PromptTokens));
    }
}
