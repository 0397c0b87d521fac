using System.Text;
using System.Text.Json;

namespace Forge.Environments.PythonCoding;

/// <summary>Writes JSON values as Python literals (<c>true</c> → <c>True</c>, <c>null</c> → <c>None</c>), for prompts and the solver's checks.</summary>
internal static class PythonLiteral
{
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null or JsonValueKind.Undefined => "None",
        JsonValueKind.String => JsonSerializer.Serialize(value.GetString(), Readable),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(Of)) + "]",
        _ => "{" + string.Join(", ", value.EnumerateObject().Select(p => JsonSerializer.Serialize(p.Name, Readable) + ": " + Of(p.Value))) + "}",
    };

    /// <summary><c>f(1, "a")</c>.</summary>
    public static string Call(string function, IReadOnlyList<JsonElement> args)
    {
        var sb = new StringBuilder(function).Append('(');
        sb.AppendJoin(", ", args.Select(Of));
        return sb.Append(')').ToString();
    }
}
