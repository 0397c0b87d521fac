using MessagePack;

namespace Forge.Core;

/// <summary>One call of a tool requested by the agent: an id to pair it with its result, the tool's name and its arguments as JSON text.</summary>
/// <remarks>The arguments stay raw text: a malformed call is data the environment answers with an error, never an exception.</remarks>
[MessagePackObject(true)]
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);
