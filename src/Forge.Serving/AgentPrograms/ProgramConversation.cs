using Forge.Core;
using Forge.Serving.Episodes;

namespace Forge.Serving.AgentPrograms;

/// <summary>An agent program's calls as Forge conversations, with the exact ids the policy saw and wrote.</summary>
internal static class ProgramConversation
{
    /// <summary>The conversation of call <paramref name="index"/>: what was sent, then its first choice's reply with the exact ids (empty for index -1).</summary>
    public static IEnumerable<Message> Of(IReadOnlyList<ServedCall> calls, int index)
    {
        if (index < 0) return [];
        var call = calls[index];
        var choice = call.Choices[0];
        return call.Messages.Append(choice.Message with
        {
            TokenIds = [.. call.PrefixIds, .. choice.CompletionIds],
            LogProbs = [.. call.PrefixIds.Select(_ => 0f), .. choice.LogProbs],
            PolicyVersion = (int)call.PolicyVersion,
        });
    }

    /// <summary>What a rubric scores: the last call's conversation, then the program's output as the last assistant message.</summary>
    public static List<Message> Final(IReadOnlyList<ServedCall> calls, string output) => [.. Of(calls, calls.Count - 1), Message.Assistant(output)];
}
