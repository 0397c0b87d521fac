using Forge.Core;

namespace Forge.Agents.Tests.ChatFormat;

internal static class ChatFormatSamples
{
    public static ToolSpec Lookup { get; } = new("lookup", "Look up a key.",
        """{"type":"object","properties":{"key":{"type":"string"}},"required":["key"],"additionalProperties":false}""");

    public static ToolSpec Add { get; } = new("add", "Adds two integers.",
        """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}},"required":["a","b"],"additionalProperties":false}""");

    public static ToolSpec Note { get; } = new("note", "Writes a note.",
        """{"type":"object","properties":{"text":{"type":"string"},"pinned":{"type":"boolean"}},"required":["text"],"additionalProperties":false}""");

    public static IReadOnlyList<ToolSpec> Tools { get; } = [Lookup, Add, Note];
}
