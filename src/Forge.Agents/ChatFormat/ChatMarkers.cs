namespace Forge.Agents.ChatFormat;

/// <summary>
/// The special markers of Forge's chat format. A tokenizer for local models registers each as one special token,
/// so that a turn header or a tool-call bracket costs one token, never a run of bytes.
/// </summary>
public static class ChatMarkers
{
    /// <summary>Opens a system message.</summary>
    public const string System = "<|system|>";

    /// <summary>Opens a user message.</summary>
    public const string User = "<|user|>";

    /// <summary>Opens an assistant message: the prompt of every generation ends with it.</summary>
    public const string Assistant = "<|assistant|>";

    /// <summary>Opens a tool result.</summary>
    public const string Tool = "<|tool|>";

    /// <summary>Ends every message; generation stops on it.</summary>
    public const string EndOfTurn = "<|end|>";

    /// <summary>Opens a tool call inside an assistant message.</summary>
    public const string CallOpen = "<call>";

    /// <summary>Closes a tool call.</summary>
    public const string CallClose = "</call>";

    /// <summary>Every marker, in a fixed order (special-token ids are assigned in this order).</summary>
    public static IReadOnlyList<string> All { get; } = [System, User, Assistant, Tool, EndOfTurn, CallOpen, CallClose];

    /// <summary>The markers that open a message; none of them may appear inside generated text.</summary>
    internal static IReadOnlyList<string> RoleHeaders { get; } = [System, User, Assistant, Tool];
}
