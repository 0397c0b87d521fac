using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace Forge.Serving.Tests.Clients;

/// <summary>Semantic Kernel's OpenAI connector against forge serve: text, streaming, a required tool call it can invoke, and the usage it reports.</summary>
public sealed class SemanticKernelTests : IAsyncLifetime
{
    private ServedModel _server = null!;

    public async Task InitializeAsync() => _server = await ServedModel.ScriptedAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private OpenAIChatCompletionService Service() => new(_server.Model, _server.V1, apiKey: "unused");

    [Fact]
    public async Task GetChatMessageContents_Text_ContentAndUsage()
    {
        var history = new ChatHistory();
        history.AddUserMessage("Hello");

        var reply = await Service().GetChatMessageContentAsync(history, new OpenAIPromptExecutionSettings { Seed = 2 });

        Assert.Equal("Hi!", reply.Content);
        Assert.Equal(AuthorRole.Assistant, reply.Role);
        var usage = Assert.IsType<OpenAI.Chat.ChatTokenUsage>(reply.Metadata!["Usage"], exactMatch: false);
        Assert.Equal(4, usage.OutputTokenCount);
    }

    [Fact]
    public async Task GetStreamingChatMessageContents_Text_JoinsToTheReply()
    {
        var history = new ChatHistory();
        history.AddUserMessage("Hello");

        var parts = new List<string>();
        await foreach (var part in Service().GetStreamingChatMessageContentsAsync(history))
            if (part.Content is { Length: > 0 } text) parts.Add(text);

        Assert.Equal("Hi!", string.Concat(parts));
    }

    [Fact]
    public async Task GetChatMessageContents_RequiredFunction_CallsThePlugin()
    {
        // A function outside any plugin keeps its bare name ("get"; a plugin would make it "tools-get").
        var kernel = new Kernel();
        var seen = new List<int>();
        var get = KernelFunctionFactory.CreateFromMethod((int n) => { seen.Add(n); return n * 2; }, "get", "Gets a number.");
        var history = new ChatHistory();
        history.AddUserMessage("Get a number");
        var settings = new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Required([get], autoInvoke: false) };

        var reply = await Service().GetChatMessageContentAsync(history, settings, kernel);

        var call = Assert.Single(FunctionCallContent.GetFunctionCalls(reply));
        Assert.Equal("get", call.FunctionName);
        var result = await get.InvokeAsync(kernel, call.Arguments);
        Assert.Equal([7], seen);
        Assert.Equal(14, result.GetValue<int>());
    }

    [Fact]
    public async Task GetStreamingChatMessageContents_RequiredFunction_UpdatesBuildOneCallThePluginTakes()
    {
        var kernel = new Kernel();
        var get = KernelFunctionFactory.CreateFromMethod((int n) => n * 2, "get", "Gets a number.");
        var history = new ChatHistory();
        history.AddUserMessage("Get a number");
        var settings = new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Required([get], autoInvoke: false) };

        var calls = new FunctionCallContentBuilder();
        var finish = new List<object?>();
        await foreach (var update in Service().GetStreamingChatMessageContentsAsync(history, settings, kernel))
        {
            calls.Append(update);
            if (update.Metadata?.TryGetValue("FinishReason", out var reason) == true && reason is not null) finish.Add(reason);
        }

        var call = Assert.Single(calls.Build());
        Assert.Equal("get", call.FunctionName);
        Assert.StartsWith("call_", call.Id);
        Assert.Equal(14, (await get.InvokeAsync(kernel, call.Arguments)).GetValue<int>());
        Assert.Equal("ToolCalls", Assert.Single(finish)!.ToString());
    }
}

