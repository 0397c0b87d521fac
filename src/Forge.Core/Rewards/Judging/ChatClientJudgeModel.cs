using Microsoft.Extensions.AI;

namespace Forge.Core.Rewards;

/// <summary>A judge model behind any <see cref="IChatClient"/>: the prompt as one user message at temperature 0. Text verdicts only.</summary>
public sealed class ChatClientJudgeModel(IChatClient client) : IJudgeModel
{
    private readonly IChatClient _client = client ?? throw new ArgumentNullException(nameof(client));

    /// <inheritdoc />
    public async Task<JudgeReply> AskAsync(string model, string prompt, int topLogprobs, CancellationToken cancellationToken)
    {
        if (topLogprobs > 0)
            throw new NotSupportedException("an IChatClient reports no log-probabilities; judge in text mode, or through an OpenAI-compatible endpoint (OpenAiJudgeModel)");
        var response = await _client.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)],
            new ChatOptions { ModelId = model, Temperature = 0 }, cancellationToken).ConfigureAwait(false);
        return new JudgeReply(response.Text);
    }
}
