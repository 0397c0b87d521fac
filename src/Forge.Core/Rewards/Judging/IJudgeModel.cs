using MessagePack;

namespace Forge.Core.Rewards;

/// <summary>
/// The model behind a <see cref="JudgeEndpoint"/>: asked one prompt at temperature 0, it answers with its reply and, when
/// asked for them, the log-probabilities of the reply's most likely first tokens. <see cref="ChatClientJudgeModel"/> asks any
/// Microsoft.Extensions.AI <c>IChatClient</c> (text only); Forge.Agents' <c>OpenAiJudgeModel</c> asks an OpenAI-compatible endpoint (both modes).
/// </summary>
public interface IJudgeModel
{
    /// <summary>Asks <paramref name="model"/> <paramref name="prompt"/>; with <paramref name="topLogprobs"/> &gt; 0 the reply carries that many first-token alternatives.</summary>
    Task<JudgeReply> AskAsync(string model, string prompt, int topLogprobs, CancellationToken cancellationToken);
}

/// <summary>What a judge model answered.</summary>
/// <param name="Text">The reply's text.</param>
/// <param name="FirstTokenLogprobs">The most likely first tokens and their log-probabilities, most likely first; null when not asked for.</param>
public sealed record JudgeReply(string Text, IReadOnlyList<JudgeLogprob>? FirstTokenLogprobs = null);

/// <summary>One alternative for a reply's first token.</summary>
/// <param name="Token">The token's text.</param>
/// <param name="Logprob">Its natural-log probability.</param>
[MessagePackObject(true)]
public sealed record JudgeLogprob(string Token, double Logprob);
