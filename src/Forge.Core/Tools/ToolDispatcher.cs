using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.SemanticKernel;

namespace Forge.Core;

/// <summary>
/// Turns the <c>[KernelFunction]</c> methods of an object into tools: schemas from Semantic Kernel's function metadata,
/// and calls dispatched by the environment itself. Every failure of a call becomes a tool-error message, never an exception.
/// The tools of a type are described once per process (<see cref="ToolMethod"/>); a dispatcher per instance costs nothing more.
/// </summary>
public sealed class ToolDispatcher
{
    private static readonly ConcurrentDictionary<Type, ToolSet> Cache = new();

    /// <summary>The parsed arguments of a call with none (<c>{}</c> or empty), parsed once.</summary>
    private static readonly JsonElement NoArguments = JsonDocument.Parse("{}").RootElement.Clone();

    private readonly object _target;
    private readonly ToolSet _tools;

    /// <summary>The tools, in declaration order.</summary>
    public IReadOnlyList<ToolSpec> Tools => _tools.Specs;

    /// <summary>Builds the tools of <paramref name="target"/>'s public methods marked <c>[KernelFunction]</c>. Tool names are snake_case.</summary>
    public ToolDispatcher(object target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        _tools = Cache.GetOrAdd(target.GetType(), static (_, t) => new ToolSet(ToolMethod.Of(t, Describe)), target);
    }

    /// <summary>Runs one call within <paramref name="timeout"/> and returns the tool message answering it.</summary>
    public ValueTask<Message> InvokeAsync(ToolCall call, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!_tools.ByName.TryGetValue(call.Name, out var tool))
            return Answer(Error(call, ToolErrors.UnknownTool(call.Name, _tools.Names)));

        object?[] arguments;
        string? error;
        CancellationTokenSource? deadline = null;
        if (tool.TakesCancellation)
        {
            deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
        }
        var token = deadline?.Token ?? CancellationToken.None;
        if (IsEmpty(call.ArgumentsJson)) arguments = tool.Bind(NoArguments, token, out error);
        else
        {
            try
            {
                using var doc = JsonDocument.Parse(call.ArgumentsJson);
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object) arguments = tool.Bind(root, token, out error);
                else
                {
                    arguments = [];
                    error = ToolErrors.InvalidJson(call.Name, $"expected an object, got {root.ValueKind.ToString().ToLowerInvariant()}");
                }
            }
            catch (JsonException e)
            {
                arguments = [];
                error = ToolErrors.InvalidJson(call.Name, e.Message);
            }
        }
        if (error is not null)
        {
            deadline?.Dispose();
            return Answer(Error(call, error));
        }

        Task<object?>? pending;
        try
        {
            var value = tool.Invoke(_target, arguments, out pending);
            if (pending is null)
            {
                deadline?.Dispose();
                return Answer(Message.ToolResult(call.Id, call.Name, Render(value)));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            deadline?.Dispose();
            return Answer(Error(call, ToolErrors.Failed(call.Name, $"{e.GetType().Name}: {e.Message}")));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            deadline?.Dispose();
            return Answer(Error(call, ToolErrors.TimedOut(call.Name, timeout)));
        }
        return new ValueTask<Message>(AwaitAsync(call, pending, deadline, timeout, time, cancellationToken));
    }

    private static async Task<Message> AwaitAsync(ToolCall call, Task<object?> pending, CancellationTokenSource? deadline, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using (deadline)
        {
            try
            {
                var value = await pending.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
                return Message.ToolResult(call.Id, call.Name, Render(value));
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
                return Error(call, ToolErrors.Failed(call.Name, $"{e.GetType().Name}: {e.Message}"));
            }
        }
    }

    private static bool IsEmpty(string json) => string.IsNullOrWhiteSpace(json) || json == "{}";

    private static ValueTask<Message> Answer(Message message) => new(message);

    private static Message Error(ToolCall call, string text) =>
        Message.ToolResult(call.Id, call.Name, text, isError: true);

    private static string Render(object? value) => value switch
    {
        null => "",
        string s => s,
        // What JSON writes for an integer, without the serializer's polymorphic lookup.
        int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => JsonSerializer.Serialize(value, ToolParameter.ArgumentJson),
    };

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

    /// <summary>A type's tools, by name.</summary>
    private sealed class ToolSet(ToolMethod[] tools)
    {
        public IReadOnlyList<ToolSpec> Specs { get; } = [.. tools.Select(t => t.Spec)];

        /// <summary>The names in declaration order (what an unknown-tool error lists).</summary>
        public IReadOnlyList<string> Names { get; } = [.. tools.Select(t => t.Name)];

        public FrozenDictionary<string, ToolMethod> ByName { get; } = tools.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
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
