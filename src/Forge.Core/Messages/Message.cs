using MessagePack;

namespace Forge.Core;

/// <summary>One message of a conversation between an agent and an environment.</summary>
/// <remarks>
/// Assistant messages may carry the tool calls the agent asked for and, when a local policy produced them,
/// the exact generated token ids and their log-probabilities (so training never re-tokenizes).
/// Tool messages carry the id of the call they answer.
/// </remarks>
[MessagePackObject(true)]
public sealed record Message
{
    /// <summary>Who wrote the message.</summary>
    public required Role Role { get; init; }

    /// <summary>The text of the message (may be empty for an assistant message made only of tool calls).</summary>
    public string Content { get; init; } = "";

    /// <summary>Tool calls requested by an assistant message.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>For a tool message: the id of the call this message answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>For a tool message: the name of the tool that ran.</summary>
    public string? Name { get; init; }

    /// <summary>True when the agent's raw output could not be parsed (bad tool-call JSON, unclosed tags); the environment answers it with an error.</summary>
    public bool Malformed { get; init; }

    /// <summary>For a tool message: true when the call failed (unknown tool, bad arguments, tool threw or overran its deadline).</summary>
    public bool IsError { get; init; }

    /// <summary>Token ids the policy generated for this message, when a local policy produced it.</summary>
    public IReadOnlyList<int>? TokenIds { get; init; }

    /// <summary>Log-probability of each generated token under the sampling policy, aligned with <see cref="TokenIds"/>.</summary>
    public IReadOnlyList<float>? LogProbs { get; init; }

    /// <summary>The version of the policy that generated this message, when a trainable policy produced it.</summary>
    public int? PolicyVersion { get; init; }

    /// <summary>
    /// How many of <see cref="TokenIds"/> lie inside the message's <c>&lt;think&gt;…&lt;/think&gt;</c> block, counted by the
    /// policy that generated them; null when the message has no block or no token ids.
    /// </summary>
    public int? ReasoningTokens { get; init; }

    /// <summary>For an assistant message from a remote endpoint: the prompt tokens the endpoint reported for the call (its <c>usage</c>); null when it reported none.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>For an assistant message from a remote endpoint: the completion tokens the endpoint reported for the call; null when it reported none.</summary>
    public int? CompletionTokens { get; init; }

    /// <summary>A system message.</summary>
    public static Message System(string content) => new() { Role = Role.System, Content = content };

    /// <summary>A user message.</summary>
    public static Message User(string content) => new() { Role = Role.User, Content = content };

    /// <summary>An assistant message, optionally with tool calls.</summary>
    public static Message Assistant(string content, params ToolCall[] toolCalls) =>
        new() { Role = Role.Assistant, Content = content, ToolCalls = toolCalls };

    /// <summary>A tool result answering <paramref name="callId"/>.</summary>
    public static Message ToolResult(string callId, string toolName, string content, bool isError = false) =>
        new() { Role = Role.Tool, ToolCallId = callId, Name = toolName, Content = content, IsError = isError };
}
