using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MessagePack;

namespace Forge.Host.Recording;

/// <summary>
/// The JSON shape of a trajectory (for <c>forge export --jsonl</c> and the JSON-lines baseline of the recorder benchmark):
/// snake_case names, enums as snake_case strings, NaN and infinities as strings, and exactly the members the binary log stores
/// (members marked <see cref="IgnoreMemberAttribute"/> are derived, so they are left out).
/// </summary>
public static class TrajectoryJson
{
    /// <summary>Options for one trajectory per line.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = false,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipDerivedMembers } },
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly();
        return options;
    }

    private static void SkipDerivedMembers(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        for (var i = info.Properties.Count - 1; i >= 0; i--)
            if (info.Properties[i].AttributeProvider?.IsDefined(typeof(IgnoreMemberAttribute), inherit: true) == true)
                info.Properties.RemoveAt(i);
    }
}
