using System.Text.Json;
using Forge.Agents.SemanticKernel;
using Forge.Core;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace Forge.Agents.Tests.SemanticKernel;

public sealed class SemanticKernelAgentTests
{
    private static readonly SemanticKernelAgentOptions Options = new()
    {
        Endpoint = new Uri("http://127.0.0.1:9/v1"), Model = "test-model", Temperature = 0.2, MaxTokens = 64,
    };

    /// <summary>Records what the agent sent and answers with a canned reply.</summary>
    private sealed class FakeChat(ChatMessageContent reply) : IChatCompletionService
    {
        public ChatHistory? History { get; private set; }
        public OpenAIPromptExecutionSettings? Settings { get; private set; }
        public IReadOnlyDictionary<string, object?> Attributes { get; } = new Dictionary<string, object?>();

        public Task<IReadOnlyList<ChatMessageContent>> GetChatMessageContentsAsync(ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default)
        {
            History = chatHistory;
            Settings = (OpenAIPromptExecutionSettings?)executionSettings;
            return Task.FromResult<IReadOnlyList<ChatMessageContent>>([reply]);
        }

        public IAsyncEnumerable<StreamingChatMessageContent> GetStreamingChatMessageContentsAsync(ChatHistory chatHistory, PromptExecutionSettings? executionSettings = null, Kernel? kernel = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }

    private static readonly IReadOnlyList<Message> Conversation =
    [
        Message.System("Use the tools."),
        Message.User("What is 6 * 7?"),
        Message.Assistant("Computing.", new ToolCall("call-1", "multiply", """{"a":6,"b":7}""")),
        Message.ToolResult("call-1", "multiply", "42"),
        Message.Assistant("", new ToolCall("call-2", "lookup", """{"key":""")),
        Message.ToolResult("call-2", "lookup", "Tool error: invalid JSON", isError: true),
    ];

    [Fact]
    public async Task ActAsync_Conversation_MapsEveryRoleToChatHistory()
    {
        var chat = new FakeChat(new ChatMessageContent(AuthorRole.Assistant, "42"));
        var agent = new SemanticKernelAgent(Options, chat);

        await agent.ActAsync(TestTurns.Turn(Conversation), CancellationToken.None);

        var history = chat.History!;
        Assert.Equal([AuthorRole.System, AuthorRole.User, AuthorRole.Assistant, AuthorRole.Tool, AuthorRole.Assistant, AuthorRole.Tool], history.Select(m => m.Role));
        Assert.Equal("What is 6 * 7?", history[1].Content);
        Assert.Equal("Computing.", history[2].Content);
        var call = Assert.Single(history[2].Items.OfType<FunctionCallContent>());
        Assert.Equal(("call-1", "multiply", null), (call.Id, call.FunctionName, call.PluginName));
        Assert.Equal(6, ((JsonElement)call.Arguments!["a"]!).GetInt32());
        var result = Assert.Single(history[3].Items.OfType<FunctionResultContent>());
        Assert.Equal(("call-1", "multiply", "42"), (result.CallId, result.FunctionName, (string?)result.Result));
        Assert.Null(Assert.Single(history[4].Items.OfType<FunctionCallContent>()).Arguments);
    }

    [Fact]
    public async Task ActAsync_Tools_AreOfferedWithTheirSchemasAndAutoInvokeOff()
    {
        var chat = new FakeChat(new ChatMessageContent(AuthorRole.Assistant, "42"));
        var agent = new SemanticKernelAgent(Options, chat);

        await agent.ActAsync(TestTurns.Turn(Conversation), CancellationToken.None);

        var settings = chat.Settings!;
        Assert.Equal(("test-model", 0.2, 64), (settings.ModelId, settings.Temperature, settings.MaxTokens));
        var configuration = settings.FunctionChoiceBehavior!.GetConfiguration(new FunctionChoiceBehaviorConfigurationContext(chat.History!));
        Assert.False(configuration.AutoInvoke);
        Assert.Equal(["multiply", "lookup"], configuration.Functions!.Select(f => f.Name));
        var lookup = configuration.Functions![1].Metadata;
        Assert.Equal("Look up a value by key.", lookup.Description);
        Assert.Equal([("key", true), ("exact", false)], lookup.Parameters.Select(p => (p.Name, p.IsRequired)));
        var declared = lookup.Parameters[0].Schema!.RootElement;
        var original = TestTurns.Dispatcher.Tools[1].ParametersSchema.GetProperty("properties").GetProperty("key");
        Assert.Equal(original.GetRawText(), declared.GetRawText());
        await Assert.ThrowsAnyAsync<Exception>(() => configuration.Functions![0].InvokeAsync(new Kernel()));
    }

    [Fact]
    public async Task ActAsync_ReplyWithFunctionCalls_BecomesForgeToolCalls()
    {
        var reply = new ChatMessageContent(AuthorRole.Assistant, content: null);
        reply.Items.Add(new FunctionCallContent("multiply", pluginName: null, id: "call_9", arguments: new KernelArguments { ["a"] = 3, ["b"] = 4 }));
        var agent = new SemanticKernelAgent(Options, new FakeChat(reply));

        var message = await agent.ActAsync(TestTurns.Turn([Message.User("3*4?")]), CancellationToken.None);

        Assert.Equal(Role.Assistant, message.Role);
        Assert.Equal("", message.Content);
        var call = Assert.Single(message.ToolCalls);
        Assert.Equal(("call_9", "multiply"), (call.Id, call.Name));
        Assert.Equal("""{"a":3,"b":4}""", call.ArgumentsJson);
        Assert.Equal("sk/test-model", agent.Id);
    }

    [Fact]
    public async Task ActAsync_NoTools_OffersNoFunctions()
    {
        var chat = new FakeChat(new ChatMessageContent(AuthorRole.Assistant, "hi"));
        var agent = new SemanticKernelAgent(Options, chat);

        var message = await agent.ActAsync(TestTurns.Turn([Message.User("hello")], tools: []), CancellationToken.None);

        Assert.Null(chat.Settings!.FunctionChoiceBehavior);
        Assert.Equal("hi", message.Content);
        Assert.Empty(message.ToolCalls);
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => new SemanticKernelAgent(new SemanticKernelAgentOptions { Temperature = 3, MaxTokens = 0 }));

        Assert.Contains("endpoint: required", e.Message);
        Assert.Contains("model: required", e.Message);
        Assert.Contains("temperature: must be between 0 and 2 (got 3)", e.Message);
        Assert.Contains("max_tokens: must be at least 1 (got 0)", e.Message);
    }
}
