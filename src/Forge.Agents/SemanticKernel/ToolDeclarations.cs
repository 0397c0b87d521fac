using System.Text.Json;
using Forge.Core;
using Microsoft.SemanticKernel;

namespace Forge.Agents.SemanticKernel;

/// <summary>
/// Turns the environment's <see cref="ToolSpec"/>s into Semantic Kernel function declarations, so that the chat-completion
/// connector advertises them to the model with the environment's own JSON schemas. The declarations cannot be invoked:
/// the environment, not the model client, executes tool calls.
/// </summary>
internal static class ToolDeclarations
{
    public static IReadOnlyList<KernelFunction> Create(IReadOnlyList<ToolSpec> tools) => tools.Select(Declare).ToList();

    private static KernelFunction Declare(ToolSpec tool)
    {
        using var schema = JsonDocument.Parse(tool.ParametersSchemaJson);
        var root = schema.RootElement;
        var required = root.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        var parameters = new List<KernelParameterMetadata>();
        if (root.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            foreach (var property in properties.EnumerateObject())
                parameters.Add(new KernelParameterMetadata(property.Name)
                {
                    Description = property.Value.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
                    IsRequired = required.Contains(property.Name),
                    Schema = KernelJsonSchema.Parse(property.Value.GetRawText()),
                });

        return KernelFunctionFactory.CreateFromMethod(
            method: NotExecutedHere,
            functionName: tool.Name,
            description: tool.Description,
            parameters: parameters,
            returnParameter: new KernelReturnParameterMetadata { Description = "The tool's result, produced by the environment." });
    }

    private static string NotExecutedHere() =>
        throw new InvalidOperationException("Forge tools are executed by the environment; the model client only declares them.");
}
