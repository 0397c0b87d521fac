using System.Reflection;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace Forge.Core;

/// <summary>
/// One tool of a type, described once per type: its name and schema (from Semantic Kernel's function metadata), how each
/// parameter of the method is bound, and how its result is awaited. Calls bind arguments and invoke the method directly
/// on the instance, so an environment made per episode costs no reflection.
/// </summary>
internal sealed class ToolMethod
{
    private readonly MethodInfo _method;
    private readonly ToolParameter[] _parameters;
    private readonly Func<object, Task<object?>>? _await;

    private ToolMethod(string name, ToolSpec spec, MethodInfo method, ToolParameter[] parameters)
    {
        Name = name;
        Spec = spec;
        _method = method;
        _parameters = parameters;
        TakesCancellation = parameters.Any(p => p.IsCancellation);
        _await = Awaiter(method.ReturnType);
    }

    /// <summary>The tool's snake_case name.</summary>
    public string Name { get; }

    /// <summary>What the agent is shown.</summary>
    public ToolSpec Spec { get; }

    /// <summary>True when the method takes a <see cref="CancellationToken"/>, which then carries the tool's deadline.</summary>
    public bool TakesCancellation { get; }

    /// <summary>The tools of <paramref name="target"/>'s type, in declaration order (empty when it has no <c>[KernelFunction]</c> method).</summary>
    public static ToolMethod[] Of(object target, Func<string, KernelFunctionMetadata, ToolSpec> describe)
    {
        var type = target.GetType();
        // Semantic Kernel refuses an object without [KernelFunction] methods; such an environment simply offers no tools.
        var hasTools = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
            .Any(m => m.IsDefined(typeof(KernelFunctionAttribute), inherit: true));
        if (!hasTools) return [];
        return [.. KernelPluginFactory.CreateFromObject(target, "tools").Select(function =>
        {
            var name = ToolDispatcher.ToSnakeCase(function.Name);
            var method = function.UnderlyingMethod ?? throw new InvalidOperationException($"{type.Name}: tool '{name}' has no method behind it.");
            var parameters = method.GetParameters().Select(p => ToolParameter.Of(type, name, p, function.Metadata.Parameters)).ToArray();
            return new ToolMethod(name, describe(name, function.Metadata), method, parameters);
        })];
    }

    /// <summary>
    /// The method's arguments from the call's JSON object, or the tool-error text saying what is wrong with them.
    /// <paramref name="cancellationToken"/> goes to a <see cref="CancellationToken"/> parameter.
    /// </summary>
    public object?[] Bind(JsonElement arguments, CancellationToken cancellationToken, out string? error)
    {
        foreach (var property in arguments.EnumerateObject())
        {
            if (!_parameters.Any(p => !p.IsCancellation && p.Name == property.Name))
            {
                error = ToolErrors.BadArgument(Name, ToolErrors.Truncate(property.Name, 40), "no such parameter");
                return [];
            }
        }
        var values = _parameters.Length == 0 ? [] : new object?[_parameters.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var parameter = _parameters[i];
            if (parameter.IsCancellation)
            {
                values[i] = cancellationToken;
                continue;
            }
            if (!arguments.TryGetProperty(parameter.Name, out var value))
            {
                if (parameter.IsRequired)
                {
                    error = ToolErrors.MissingArgument(Name, parameter.Name);
                    return [];
                }
                values[i] = parameter.DefaultValue;
                continue;
            }
            if (!parameter.TryRead(value, out values[i]))
            {
                error = ToolErrors.BadArgument(Name, parameter.Name, $"expected {parameter.Expected}, got {value.ValueKind.ToString().ToLowerInvariant()}");
                return [];
            }
        }
        error = null;
        return values;
    }

    /// <summary>
    /// Calls the method on <paramref name="target"/>. A synchronous method's value is returned as it is; an asynchronous
    /// one's task comes back in <paramref name="pending"/> (null otherwise). The method's own exceptions are not wrapped.
    /// </summary>
    public object? Invoke(object target, object?[] arguments, out Task<object?>? pending)
    {
        var result = _method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        pending = _await is not null && result is not null ? _await(result) : null;
        return pending is null ? result : null;
    }

    /// <summary>Turns what an asynchronous method returns into a task of its value; null for a synchronous method.</summary>
    private static Func<object, Task<object?>>? Awaiter(Type returnType)
    {
        if (returnType == typeof(Task)) return static o => ValueOf((Task)o);
        if (returnType == typeof(ValueTask)) return static o => ValueOf(((ValueTask)o).AsTask());
        if (!returnType.IsGenericType) return null;
        var definition = returnType.GetGenericTypeDefinition();
        var helper = definition == typeof(Task<>) ? nameof(ValueOfTask) : definition == typeof(ValueTask<>) ? nameof(ValueOfValueTask) : null;
        if (helper is null) return null;
        return typeof(ToolMethod).GetMethod(helper, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(returnType.GetGenericArguments()[0]).CreateDelegate<Func<object, Task<object?>>>();
    }

    private static async Task<object?> ValueOf(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }

    private static async Task<object?> ValueOfTask<T>(object task) => await ((Task<T>)task).ConfigureAwait(false);

    private static async Task<object?> ValueOfValueTask<T>(object task) => await ((ValueTask<T>)task).ConfigureAwait(false);
}
