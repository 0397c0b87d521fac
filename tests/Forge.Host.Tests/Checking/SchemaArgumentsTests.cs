using System.Text.Json;
using Forge.Host.Checking;
using Json.Schema;

namespace Forge.Host.Tests.Checking;

public sealed class SchemaArgumentsTests
{
    [Theory]
    [InlineData("""{ "type": "object", "properties": { "a": { "type": "integer", "minimum": 3, "maximum": 5 }, "b": { "type": "string" } }, "required": ["a", "b"], "additionalProperties": false }""")]
    [InlineData("""{ "type": "object", "properties": { "mode": { "enum": ["fast", "slow"] }, "flag": { "type": "boolean" }, "x": { "type": "number" } }, "required": ["mode"] }""")]
    [InlineData("""{ "type": "object", "properties": { "items": { "type": "array", "items": { "type": "integer" }, "minItems": 1 }, "note": { "type": ["string", "null"] } }, "required": ["items"] }""")]
    [InlineData("""{ "type": "object", "properties": { "inner": { "type": "object", "properties": { "id": { "const": 7 } }, "required": ["id"] } }, "required": ["inner"] }""")]
    public void ForTool_AnySeed_GivesArgumentsTheSchemaAccepts(string schemaJson)
    {
        var schema = JsonSchema.FromText(schemaJson);
        for (var seed = 0; seed < 50; seed++)
        {
            using var arguments = JsonDocument.Parse(SchemaArguments.ForTool(schemaJson, new Random(seed)));
            Assert.True(schema.Evaluate(arguments.RootElement).IsValid, $"seed {seed}: {arguments.RootElement.GetRawText()}");
        }
    }

    [Fact]
    public void ForTool_SameSeed_GivesTheSameArguments()
    {
        const string schema = """{ "type": "object", "properties": { "a": { "type": "integer" }, "b": { "type": "string" } }, "required": ["a"] }""";

        Assert.Equal(SchemaArguments.ForTool(schema, new Random(3)), SchemaArguments.ForTool(schema, new Random(3)));
    }
}
