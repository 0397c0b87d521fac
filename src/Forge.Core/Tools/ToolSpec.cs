using System.Text.Json;
using MessagePack;

namespace Forge.Core;

/// <summary>A tool offered to the agent: its name, what it does and the JSON schema of its arguments (an object schema).</summary>
[MessagePackObject(true)]
public sealed record ToolSpec(string Name, string Description, string ParametersSchemaJson)
{
    /// <summary>The parameters schema parsed as a JSON element.</summary>
    [IgnoreMember]
    public JsonElement ParametersSchema => JsonDocument.Parse(ParametersSchemaJson).RootElement;
}
