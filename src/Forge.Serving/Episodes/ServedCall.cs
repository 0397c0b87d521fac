using Forge.Core;

namespace Forge.Serving.Episodes;

/// <summary>One choice of a served completion as the policy produced it.</summary>
/// <param name="CompletionIds">Every generated id, the end-of-turn id included when the reply ended on it.</param>
/// <param name="LogProbs">The log-prob of each generated id (the trainer's definition, at the request's temperature).</param>
/// <param name="Message">The assistant message returned to the client.</param>
/// <param name="FinishReason">OpenAI's finish reason.</param>
public sealed record ServedChoice(IReadOnlyList<int> CompletionIds, IReadOnlyList<float> LogProbs, Message Message, string FinishReason);

/// <summary>One completion served for an episode: the exact prompt ids, each choice's ids and log-probs, and the policy version.</summary>
/// <param name="Index">Its place among the episode's calls (0-based).</param>
/// <param name="PromptIds">The prompt the policy decoded from (tool-choice prefix included).</param>
/// <param name="PrefixIds">The tool-choice prefix at the end of the prompt (context the server wrote for the model); empty when none.</param>
/// <param name="Choices">What it generated.</param>
/// <param name="PolicyVersion">The weights' version.</param>
/// <param name="Temperature">The sampling temperature (the log-probs' temperature).</param>
/// <param name="Messages">The conversation sent, with the ids of the episode's earlier replies attached.</param>
/// <param name="Tools">The tools offered.</param>
public sealed record ServedCall(int Index, IReadOnlyList<int> PromptIds, IReadOnlyList<int> PrefixIds, IReadOnlyList<ServedChoice> Choices, long PolicyVersion, double Temperature,
    IReadOnlyList<Message> Messages, IReadOnlyList<ToolSpec> Tools);
