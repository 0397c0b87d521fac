using System.Security.Cryptography;
using Forge.Core;
using Forge.Serving.Api;
using Forge.Serving.Policy;
using Forge.Training.Generation;

namespace Forge.Serving.Chat;

/// <summary>One finished choice: its text read back by the policy's tool-call parser, and OpenAI's finish reason.</summary>
/// <param name="Content">The message text; null when the reply is only tool calls.</param>
/// <param name="ToolCalls">Parsed calls, with fresh ids.</param>
/// <param name="FinishReason"><c>stop</c>, <c>length</c> or <c>tool_calls</c>.</param>
internal sealed record ReplyMessage(string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason)
{
    /// <summary>
    /// Reads <paramref name="text"/> (after the tool-choice <paramref name="prefix"/>) when the request lets the model call
    /// tools: a well-formed reply with calls becomes tool_calls; anything the parser can't read comes back as text.
    /// </summary>
    public static ReplyMessage From(ServedPolicy policy, ChatRequest request, string prefix, string text, FinishReason? finished, bool stopMatched, int turnIndex)
    {
        var reason = stopMatched || finished == Training.Generation.FinishReason.Stop ? "stop" : "length";
        if (!request.ParsesToolCalls || reason != "stop" || stopMatched)
            return new ReplyMessage(prefix + text, [], reason);
        var message = policy.Format.Parse(prefix + text, request.Tools, turnIndex);
        if (message.Malformed || message.ToolCalls.Count == 0
            || (request.ToolChoiceName is { } name && message.ToolCalls.Any(c => c.Name != name)))
            return new ReplyMessage(prefix + text, [], reason);
        var calls = message.ToolCalls.Select(c => c with { Id = NewCallId() }).ToList();
        return new ReplyMessage(message.Content.Length == 0 ? null : message.Content, calls, "tool_calls");
    }

    /// <summary>The message as Forge records it.</summary>
    public Message ToMessage() => new() { Role = Role.Assistant, Content = Content ?? "", ToolCalls = ToolCalls };

    private static string NewCallId() => "call_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
