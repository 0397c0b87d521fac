using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using Forge.Serving.Episodes;

namespace Forge.Serving.Tests.Episodes;

/// <summary>
/// Per-episode paths: every completion served at <c>/episodes/ID/v1</c> is recorded with its exact prompt and completion
/// ids; calls whose prompts extend the previous prompt and completion stitch into one sequence, rewritten history starts
/// another.
/// </summary>
public sealed class EpisodeRecordingTests : IAsyncLifetime
{
    private ServedModel _server = null!;

    public async Task InitializeAsync() => _server = await ServedModel.ScriptedAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ChatClient Client(string episode) =>
        new(_server.Model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = _server.Host.EpisodeBaseUrl(episode) });

    private static ChatTool GetTool() => ChatTool.CreateFunctionTool("get", "Gets a number.",
        BinaryData.FromString("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}"""));

    [Fact]
    public async Task ToolLoop_CallsRecordedAndStitchedIntoOneSequence()
    {
        var log = _server.Host.Episodes.Open("ep-stitch");
        var client = Client("ep-stitch");
        List<ChatMessage> messages = [new UserChatMessage("Get a number")];
        var first = (await client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { GetTool() }, ToolChoice = ChatToolChoice.CreateRequiredChoice() })).Value;
        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(first.ToolCalls[0].Id, "7"));
        var second = (await client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { GetTool() } })).Value;
        messages.Add(new AssistantChatMessage(second));
        messages.Add(new UserChatMessage("Thanks"));
        await client.CompleteChatAsync(messages, new ChatCompletionOptions { Tools = { GetTool() } });

        var calls = _server.Host.Episodes.Close("ep-stitch")!.Calls;

        Assert.Null(_server.Host.Episodes.Find("ep-stitch"));
        Assert.Equal(3, calls.Count);
        Assert.Equal(3, log.Calls.Count);
        Assert.Equal(first.Usage.InputTokenCount, calls[0].PromptIds.Count);
        Assert.Single(calls[0].PrefixIds);                                       // <call>, written by tool_choice required
        Assert.Equal(first.Usage.OutputTokenCount, calls[0].Choices[0].CompletionIds.Count);
        Assert.All(calls, c => Assert.Equal(5, c.PolicyVersion));
        var sequence = Assert.Single(TokenStitcher.Stitch(calls));
        Assert.True(sequence.Stitched);
        Assert.Equal([0, 1, 2], sequence.Calls);
        Assert.Equal([.. calls[2].PromptIds, .. calls[2].Choices[0].CompletionIds], sequence.Ids);
        Assert.Equal(calls.Sum(c => c.Choices[0].CompletionIds.Count), sequence.PolicyMask.Count(m => m));
        var at = calls[0].PromptIds.Count;                                        // the first policy token follows the first prompt
        Assert.False(sequence.PolicyMask[at - 1]);
        Assert.True(sequence.PolicyMask[at]);
        Assert.Equal(calls[0].Choices[0].LogProbs[0], sequence.LogProbs[at]);
    }

    [Fact]
    public async Task RewrittenHistory_SeparateSequences()
    {
        _server.Host.Episodes.Open("ep-rewrite");
        var client = Client("ep-rewrite");
        await client.CompleteChatAsync([new UserChatMessage("Hello")]);
        // The program replaces the reply it got with its own summary: the next prompt no longer extends the first call.
        await client.CompleteChatAsync([new UserChatMessage("Hello"), new AssistantChatMessage("Summary: greeted."), new UserChatMessage("Go on")]);

        var sequences = TokenStitcher.Stitch(_server.Host.Episodes.Close("ep-rewrite")!.Calls);

        Assert.Equal(2, sequences.Count);
        Assert.All(sequences, s => Assert.False(s.Stitched));
    }

    [Fact]
    public async Task UnknownEpisode_404()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => Client("never-opened").CompleteChatAsync([new UserChatMessage("Hello")]));

        Assert.Equal(404, e.Status);
        Assert.Contains("never-opened", e.Message);
    }
}
