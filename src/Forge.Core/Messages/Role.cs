namespace Forge.Core;

/// <summary>Who wrote a message in a conversation.</summary>
public enum Role
{
    /// <summary>Instructions from the environment author.</summary>
    System,
    /// <summary>The user (or a simulated user) speaking to the agent.</summary>
    User,
    /// <summary>The agent being trained or evaluated.</summary>
    Assistant,
    /// <summary>The result of a tool call, produced by the environment.</summary>
    Tool,
}
