using System.Text.Json;
using Json.Schema;

namespace Forge.Core.Rewards;

/// <summary>
/// 1 when the final answer is JSON (optionally inside a <c>```json</c> fence) that validates against a JSON schema, else 0.
/// </summary>
public sealed class JsonSchemaValid : RewardFunction
{
    private readonly JsonSchema _schema;

    /// <summary>Creates the check from the schema's JSON text; throws <see cref="ArgumentException"/> naming the problem when the schema itself is invalid.</summary>
    public JsonSchemaValid(string schemaJson, double weight = 1.0, string name = "json_schema") : base(name, weight)
    {
        try { _schema = JsonSchema.FromText(schemaJson); }
        catch (Exception e) when (e is JsonException or JsonSchemaException)
        {
            throw new ArgumentException($"Reward function '{name}': the JSON schema is invalid: {e.Message}", nameof(schemaJson), e);
        }
    }

    /// <inheritdoc />
    public override ValueTask<double> Score(RewardContext context)
    {
        var text = StripFence(context.FinalAnswer ?? "");
        try
        {
            using var doc = JsonDocument.Parse(text);
            return ValueTask.FromResult(_schema.Evaluate(doc.RootElement).IsValid ? 1.0 : 0.0);
        }
        catch (JsonException)
        {
            return ValueTask.FromResult(0.0);
        }
    }

    private static string StripFence(string text)
    {
        var t = text.Trim();
        if (!t.StartsWith("```", StringComparison.Ordinal)) return t;
        var firstNewline = t.IndexOf('\n');
        var end = t.LastIndexOf("```", StringComparison.Ordinal);
        return firstNewline > 0 && end > firstNewline ? t[(firstNewline + 1)..end].Trim() : t;
    }
}
