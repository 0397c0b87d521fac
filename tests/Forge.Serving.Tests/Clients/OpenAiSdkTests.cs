using System.ClientModel;
using System.Text;
using OpenAI;
using OpenAI.Chat;

namespace Forge.Serving.Tests.Clients;

/// <summary>The OpenAI .NET SDK against forge serve on the scripted checkpoint: text, tools, streaming, usage, logprobs, errors.</summary>
public sealed class OpenAiSdkTests : IAsyncLifetime
{
    private ServedModel _server = null!;

    public async Task InitializeAsync() => _server = await ServedModel.ScriptedAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ChatClient Client(string? model = null) =>
        new(model ?? _server.Model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = _server.V1 });

    private static ChatTool GetTool() => ChatTool.CreateFunctionTool("get", "Gets a number.",
        BinaryData.FromString("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}"""));

    [Fact]
    public async Task CompleteChat_Text_ContentFinishReasonUsageAndLogProbs()
    {
        var options = new ChatCompletionOptions { Seed = 3, IncludeLogProbabilities = true, TopLogProbabilityCount = 2, MaxOutputTokenCount = 20 };

        ChatCompletion reply = await Client().CompleteChatAsync([new UserChatMessage("Hello")], options);

        Assert.Equal("Hi!", reply.Content.Single().Text);
        Assert.Equal(ChatFinishReason.Stop, reply.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, reply.Role);
        Assert.StartsWith("chatcmpl-", reply.Id);
        Assert.Equal(_server.Model, reply.Model);
        Assert.Equal(["H", "i", "!"], reply.ContentTokenLogProbabilities.Select(t => t.Token));
        Assert.All(reply.ContentTokenLogProbabilities, t => Assert.InRange(t.LogProbability, -0.01f, 0f));
        Assert.All(reply.ContentTokenLogProbabilities, t => Assert.Equal(2, t.TopLogProbabilities.Count));
        Assert.Equal(4, reply.Usage.OutputTokenCount);   // H, i, !, <|end|>
        // <|user|>Hello<|end|><|assistant|>
        Assert.Equal(8, reply.Usage.InputTokenCount);
        Assert.Equal(12, reply.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChat_StopString_ReplyCutBeforeItStreamedOrNot()
    {
        var options = new ChatCompletionOptions { Seed = 3, StopSequences = { "i!", "zz" } };

        ChatCompletion reply = await Client().CompleteChatAsync([new UserChatMessage("Hello")], options);
        var streamed = new StringBuilder();
        var finishes = new List<ChatFinishReason>();
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("Hello")], options))
        {
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            if (update.FinishReason is { } finish) finishes.Add(finish);
        }

        Assert.Equal("H", reply.Content.Single().Text);
        Assert.Equal(ChatFinishReason.Stop, reply.FinishReason);
        Assert.Equal(3, reply.Usage.OutputTokenCount);   // H, i, ! — decoding ends at the token that completes the stop string
        Assert.Equal("H", streamed.ToString());            // "i", a prefix of "i!", was held back and never sent
        Assert.Equal([ChatFinishReason.Stop], finishes);
    }

    [Fact]
    public async Task CompleteChat_ToolRequired_ToolCallWithArguments()
    {
        var options = new ChatCompletionOptions { Tools = { GetTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), Seed = 1 };

        ChatCompletion reply = await Client().CompleteChatAsync([new UserChatMessage("Get a number")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, reply.FinishReason);
        var call = Assert.Single(reply.ToolCalls);
        Assert.Equal("get", call.FunctionName);
        Assert.Equal(7, System.Text.Json.JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("n").GetInt32());
        Assert.StartsWith("call_", call.Id);
        Assert.Empty(reply.Content);
    }

    [Fact]
    public async Task CompleteChat_ToolResultSentBack_RendersAndAnswers()
    {
        var options = new ChatCompletionOptions { Tools = { GetTool() }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get"), Seed = 1 };
        List<ChatMessage> messages = [new UserChatMessage("Get a number")];
        ChatCompletion first = await Client().CompleteChatAsync(messages, options);
        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(first.ToolCalls[0].Id, "7"));

        ChatCompletion second = await Client().CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { GetTool() }, Seed = 1 });

        Assert.Equal("Hi!", second.Content.Single().Text);
        Assert.True(second.Usage.InputTokenCount > first.Usage.InputTokenCount + first.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_Text_DeltasUsageAndOneFinishReason()
    {
        var options = new ChatCompletionOptions { Seed = 3 };
        var text = new StringBuilder();
        var finishes = new List<ChatFinishReason>();
        ChatTokenUsage? usage = null;
        var ids = new HashSet<string>();

        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("Hello")], options))
        {
            ids.Add(update.CompletionId);
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            if (update.FinishReason is { } finish) finishes.Add(finish);
            usage ??= update.Usage;
        }

        Assert.Equal("Hi!", text.ToString());
        Assert.Equal([ChatFinishReason.Stop], finishes);
        Assert.Single(ids);
        Assert.NotNull(usage);   // the SDK asks for stream_options.include_usage
        Assert.Equal(4, usage!.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_ToolRequired_ToolCallUpdates()
    {
        var options = new ChatCompletionOptions { Tools = { GetTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice() };
        var name = new StringBuilder();
        var arguments = new StringBuilder();
        string? id = null;
        ChatFinishReason? finish = null;

        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("Get")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                id ??= call.ToolCallId;
                name.Append(call.FunctionName);
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
            finish ??= update.FinishReason;
        }

        Assert.Equal("get", name.ToString());
        Assert.Equal("""{"n":7}""", arguments.ToString().Replace(" ", ""));
        Assert.StartsWith("call_", id);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task CompleteChatStreaming_ToolRequiredWithLogProbs_TheLogProbsOfTheReplyNotStreamed()
    {
        var options = new ChatCompletionOptions { Tools = { GetTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice(), Seed = 1, IncludeLogProbabilities = true };

        ChatCompletion whole = await Client().CompleteChatAsync([new UserChatMessage("Get a number")], options);
        var streamed = new List<ChatTokenLogProbabilityDetails>();
        var calls = 0;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("Get a number")], options))
        {
            streamed.AddRange(update.ContentTokenLogProbabilities);
            calls += update.ToolCallUpdates.Count;
        }

        Assert.Equal(1, calls);
        Assert.NotEmpty(whole.ContentTokenLogProbabilities);   // the call's tokens after the forced opening: get 7</call>
        Assert.Equal(whole.ContentTokenLogProbabilities.Select(t => (t.Token, t.LogProbability)), streamed.Select(t => (t.Token, t.LogProbability)));
    }

    [Fact]
    public async Task CompleteChat_UnknownModel_404ModelNotFound()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client("gpt-9").CompleteChatAsync([new UserChatMessage("Hello")]));

        Assert.Equal(404, e.Status);
        Assert.Contains("gpt-9", e.Message);
    }

    [Fact]
    public async Task CompleteChat_TemperatureOutOfRange_400NamingTemperature()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client().CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { Temperature = 3 }));

        Assert.Equal(400, e.Status);
        Assert.Contains("temperature", e.Message);
    }
}
