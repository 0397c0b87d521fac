using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;

namespace Forge.Core;

/// <summary>
/// Turns the <c>[KernelFunction]</c> methods of an object into tools: schemas from Semantic Kernel's function metadata,
/// and calls dispatched by the environment itself. Every failure of a call becomes a tool-error message, never an exception.
/// </summary>
public sealed class ToolDispatcher
{
    private static readonly Kernel EmptyKernel = new();
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<ToolSpec>> SpecCache = new();
    private static readonly JsonSerializerOptions ArgumentJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
    };

    private readonly Dictionary<string, KernelFunction> _functions;

    /// <summary>The tools, in declaration order.</summary>
    public IReadOnlyList<ToolSpec> Tools { get; }

    /// <summary>Builds the tools of <paramref name="target"/>'s public methods marked <c>[KernelFunction]</c>. Tool names are snake_case.</summary>
    public ToolDispatcher(object target)
    {
        ArgumentNullException.ThrowIfNull(target);
        // Semantic Kernel refuses an object without [KernelFunction] methods; such an environment simply offers no tools.
        var plugin = HasKernelFunctions(target.GetType()) ? KernelPluginFactory.CreateFromObject(target, "tools") : null;
        _functions = plugin?.ToDictionary(f => ToSnakeCase(f.Name), StringComparer.Ordinal) ?? [];
        Tools = SpecCache.GetOrAdd(target.GetType(), _ => plugin?.Select(f => Describe(ToSnakeCase(f.Name), f.Metadata)).ToList() ?? []);
    }

    private static bool HasKernelFunctions(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .Any(m => m.IsDefined(typeof(KernelFunctionAttribute), inherit: true));

    /// <summary>Runs one call within <paramref name="timeout"/> and returns the tool message answering it.</summary>
    public async Task<Message> InvokeAsync(ToolCall call, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!_functions.TryGetValue(call.Name, out var function))
            return Error(call, ToolErrors.UnknownTool(call.Name, _functions.Keys));

        var arguments = new KernelArguments();
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Error(call, ToolErrors.InvalidJson(call.Name, e.Message));
        }
        if (root.ValueKind != JsonValueKind.Object)
            return Error(call, ToolErrors.InvalidJson(call.Name, $"expected an object, got {root.ValueKind.ToString().ToLowerInvariant()}"));

        var parameters = function.Metadata.Parameters;
        foreach (var property in root.EnumerateObject())
            if (!parameters.Any(p => p.Name == property.Name))
                return Error(call, ToolErrors.BadArgument(call.Name, ToolErrors.Truncate(property.Name, 40), "no such parameter"));
        foreach (var p in parameters)
        {
            if (!root.TryGetProperty(p.Name, out var value))
            {
                if (p.IsRequired) return Error(call, ToolErrors.MissingArgument(call.Name, p.Name));
                continue;
            }
            try
            {
                var type = p.ParameterType ?? typeof(string);
                arguments[p.Name] = value.ValueKind == JsonValueKind.Null ? null : value.Deserialize(type, ArgumentJson);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
            {
                return Error(call, ToolErrors.BadArgument(call.Name, p.Name, $"expected {Describe(p.ParameterType)}, got {value.ValueKind.ToString().ToLowerInvariant()}"));
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var result = await function.InvokeAsync(EmptyKernel, arguments, deadline.Token)
                .WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return Message.ToolResult(call.Id, call.Name, Render(result.GetValue<object>()));
        }
        catch (TimeoutException)
        {
            return Error(call, ToolErrors.TimedOut(call.Name, timeout));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Error(call, ToolErrors.TimedOut(call.Name, timeout));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var inner = e is KernelException { InnerException: not null } ? e.InnerException! : e;
            return Error(call, ToolErrors.Failed(call.Name, $"{inner.GetType().Name}: {inner.Message}"));
        }
    }

    private static Message Error(ToolCall call, string text) =>
        Message.ToolResult(call.Id, call.Name, text, isError: true);

    private static string Render(object? value) => value switch
    {
        null => "",
        string s => s,
        _ => JsonSerializer.Serialize(value, ArgumentJson),
    };

    private static string Describe(Type? type) => type is null ? "a value" : type == typeof(string) ? "a string"
        : type == typeof(int) || type == typeof(long) ? "an integer"
        : type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? "a number"
        : type == typeof(bool) ? "true or false" : $"a {type.Name}";

    private static ToolSpec Describe(string name, KernelFunctionMetadata metadata)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var p in metadata.Parameters)
        {
            var schema = p.Schema is null ? new JsonObject { ["type"] = "string" } : JsonNode.Parse(p.Schema.RootElement.GetRawText())!.AsObject();
            if (!string.IsNullOrEmpty(p.Description) && !schema.ContainsKey("description")) schema["description"] = p.Description;
            properties[p.Name] = schema;
            if (p.IsRequired) required.Add(p.Name);
        }
        var root = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required, ["additionalProperties"] = false };
        return new ToolSpec(name, metadata.Description, root.ToJsonString());
    }

    /// <summary><c>RunPython</c> → <c>run_python</c>; names already in snake_case stay as they are.</summary>
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && name[i - 1] != '_' && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
