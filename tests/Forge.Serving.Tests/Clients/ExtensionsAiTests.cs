using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Forge.Serving.Tests.Clients;

/// <summary>Microsoft.Extensions.AI's OpenAI <see cref="IChatClient"/> against forge serve.</summary>
public sealed class ExtensionsAiTests : IAsyncLifetime
{
    private ServedModel _server = null!;

    public async Task InitializeAsync() => _server = await ServedModel.ScriptedAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IChatClient Client() =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = _server.V1 }).GetChatClient(_server.Model).AsIChatClient();

    [Fact]
    public async Task GetResponse_Text_TextFinishReasonAndUsage()
    {
        var response = await Client().GetResponseAsync("Hello", new ChatOptions { Seed = 4 });

        Assert.Equal("Hi!", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(4, response.Usage!.OutputTokenCount);
        Assert.Equal(_server.Model, response.ModelId);
    }

    [Fact]
    public async Task GetStreamingResponse_Text_UpdatesJoinToTheReply()
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client().GetStreamingResponseAsync("Hello"))
            updates.Add(update);

        Assert.Equal("Hi!", updates.ToChatResponse().Text);
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Stop);
    }

    [Fact]
    public async Task GetResponse_RequireAnyTool_FunctionCallContent()
    {
        var tool = AIFunctionFactory.Create((int n) => n, "get", "Gets a number.");

        var response = await Client().GetResponseAsync("Get a number", new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.RequireAny });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get", call.Name);
        Assert.Equal("7", call.Arguments!["n"]!.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task GetStreamingResponse_RequireAnyTool_UpdatesJoinToOneFunctionCall()
    {
        var tool = AIFunctionFactory.Create((int n) => n, "get", "Gets a number.");

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in Client().GetStreamingResponseAsync("Get a number", new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.RequireAny }))
            updates.Add(update);

        var response = updates.ToChatResponse();
        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get", call.Name);
        Assert.StartsWith("call_", call.CallId);
        Assert.Equal("7", call.Arguments!["n"]!.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(_server.Model, response.ModelId);
    }
}
