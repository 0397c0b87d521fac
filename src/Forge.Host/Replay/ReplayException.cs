namespace Forge.Host.Replay;

/// <summary>A recorded episode can't be re-executed here; the message says why (unknown environment or task, no sandbox, not forkable).</summary>
public sealed class ReplayException(string message, Exception? inner = null) : Exception(message, inner);
