using System.Text.Json;
using Forge.Core;

namespace Forge.Core.Scripted;

/// <summary>What scripted agents share: writing tool calls and answers, and reading tool results.</summary>
public static class Script
{
    /// <summary>An assistant message calling <paramref name="tool"/> with <paramref name="arguments"/> (an object serialized as the JSON arguments, property names as written).</summary>
    public static Message Call(AgentTurn turn, string tool, object arguments, string content = "")
    {
        ArgumentNullException.ThrowIfNull(turn);
        return Message.Assistant(content, new ToolCall(CallId(turn, 0), tool, JsonSerializer.Serialize(arguments)));
    }

    /// <summary>A plain assistant message (a final answer, or a reply to a simulated user).</summary>
    public static Message Say(string text) => Message.Assistant(text);

    /// <summary>A call id unique within the episode: <c>call_{turn}_{index}</c>.</summary>
    public static string CallId(AgentTurn turn, int index) => $"call_{turn.TurnIndex}_{index}";

    /// <summary>The result of the most recent call of <paramref name="tool"/> in the episode, or null when it was never called.</summary>
    public static Message? LastResultOf(this AgentTurn turn, string tool)
    {
        ArgumentNullException.ThrowIfNull(turn);
        return turn.Conversation.LastOrDefault(m => m.Role == Role.Tool && m.Name == tool);
    }
}
