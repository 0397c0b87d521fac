using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Forge.Host.Checking;

// Tool names, descriptions and argument schemas.
internal sealed partial class CheckRun
{
    private async Task<string> CheckToolSchemasAsync()
    {
        await using var instance = NewInstance();
        var (seed, task) = Episodes()[0];
        var tools = (await SendAsync(instance, seed, task, []).ConfigureAwait(false)).Reset!.Tools;
        if (tools.Count == 0) throw new CheckSkipped("the environment offers no tools");

        var problems = new List<string>();
        foreach (var duplicate in tools.GroupBy(t => t.Name).Where(g => g.Count() > 1))
            problems.Add($"the tool name '{duplicate.Key}' is used {duplicate.Count()} times");
        foreach (var tool in tools)
        {
            if (!ToolName().IsMatch(tool.Name ?? ""))
                problems.Add($"tool '{tool.Name}': a name is lower-case letters, digits and '_', starting with a letter");
            if (string.IsNullOrWhiteSpace(tool.Description))
                problems.Add($"tool '{tool.Name}' has no description; add [Description(\"…\")] to its method");
            problems.AddRange(SchemaProblems(tool.Name ?? "", tool.ParametersSchemaJson));
        }
        if (problems.Count > 0) throw new CheckFailure(string.Join("; ", problems));
        return $"{Plural(tools.Count, "tool")} ({string.Join(", ", tools.Select(t => t.Name))}): names, descriptions and argument schemas valid (JSON Schema 2020-12)";
    }

    private static IEnumerable<string> SchemaProblems(string tool, string? schemaJson)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(schemaJson ?? "");
        }
        catch (JsonException e)
        {
            return [$"tool '{tool}': the parameters schema is not JSON: {e.Message}"];
        }
        using (document)
        {
            var schema = document.RootElement;
            if (schema.ValueKind != JsonValueKind.Object) return [$"tool '{tool}': the parameters schema is not a JSON object"];
            var problems = new List<string>();
            var results = MetaSchemas.Draft202012.Evaluate(schema, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (!results.IsValid)
            {
                var errors = (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).Take(3).ToList();
                problems.Add($"tool '{tool}': the parameters schema is not valid JSON Schema (draft 2020-12): {(errors.Count > 0 ? string.Join(", ", errors) : "invalid")}");
            }
            if (!schema.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "object")
                problems.Add($"tool '{tool}': the parameters schema must have \"type\": \"object\"");
            var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            if (properties.ValueKind == JsonValueKind.Object)
                foreach (var property in properties.EnumerateObject())
                    if (property.Value.ValueKind != JsonValueKind.Object || !property.Value.TryGetProperty("description", out var d) || string.IsNullOrWhiteSpace(d.GetString()))
                        problems.Add($"tool '{tool}': the parameter '{property.Name}' has no description; add [Description(\"…\")] to it");
            if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
                foreach (var name in required.EnumerateArray())
                    if (name.ValueKind != JsonValueKind.String || properties.ValueKind != JsonValueKind.Object || !properties.TryGetProperty(name.GetString()!, out _))
                        problems.Add($"tool '{tool}': the required parameter {name.GetRawText()} is not among its properties");
            return problems;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex ToolName();
}
