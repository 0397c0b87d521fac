using System.Reflection;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace Forge.Core;

/// <summary>One parameter of a tool's method: a JSON argument the agent supplies, or the <see cref="CancellationToken"/> carrying the tool's deadline.</summary>
internal sealed class ToolParameter
{
    /// <summary>How arguments are read: web defaults (camelCase, case-insensitive), numbers only from JSON numbers.</summary>
    internal static readonly JsonSerializerOptions ArgumentJson = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
    };

    private readonly Type _type;

    private ToolParameter(string name, Type type, bool isRequired, object? defaultValue, bool isCancellation)
    {
        Name = name;
        _type = type;
        IsRequired = isRequired;
        DefaultValue = defaultValue;
        IsCancellation = isCancellation;
    }

    /// <summary>The argument's name in the call's JSON object.</summary>
    public string Name { get; }

    /// <summary>True when the call must supply it.</summary>
    public bool IsRequired { get; }

    /// <summary>What the method gets when the call leaves an optional argument out.</summary>
    public object? DefaultValue { get; }

    /// <summary>True for the <see cref="CancellationToken"/> parameter.</summary>
    public bool IsCancellation { get; }

    /// <summary>What the argument should be, in the words of a tool error (<c>an integer</c>).</summary>
    public string Expected => Describe(_type);

    /// <summary>Describes <paramref name="parameter"/> of tool <paramref name="tool"/> on <paramref name="type"/>, with Semantic Kernel's view of it.</summary>
    public static ToolParameter Of(Type type, string tool, ParameterInfo parameter, IReadOnlyList<KernelParameterMetadata> metadata)
    {
        var parameterType = parameter.ParameterType;
        if (parameterType == typeof(CancellationToken)) return new ToolParameter(parameter.Name ?? "", parameterType, false, null, isCancellation: true);
        var described = metadata.FirstOrDefault(m => m.Name == parameter.Name)
            ?? throw new InvalidOperationException(
                $"{type.Name}: tool '{tool}' has the parameter '{parameter.Name}' of type {parameterType.Name}, which an agent can't supply; tools take JSON values and, optionally, a CancellationToken.");
        var defaultValue = parameter.HasDefaultValue && parameter.DefaultValue is not DBNull ? parameter.DefaultValue
            : parameterType.IsValueType ? Activator.CreateInstance(parameterType) : null;
        return new ToolParameter(described.Name, parameterType, described.IsRequired, defaultValue, isCancellation: false);
    }

    /// <summary>Reads the argument as the parameter's type; false when it has another type (a string for an integer, null for a number).</summary>
    public bool TryRead(JsonElement value, out object? result)
    {
        result = null;
        if (value.ValueKind == JsonValueKind.Null) return !_type.IsValueType || Nullable.GetUnderlyingType(_type) is not null;
        try
        {
            result = value.Deserialize(_type, ArgumentJson);
            return true;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string Describe(Type type) => type == typeof(string) ? "a string"
        : type == typeof(int) || type == typeof(long) ? "an integer"
        : type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? "a number"
        : type == typeof(bool) ? "true or false" : $"a {type.Name}";
}
