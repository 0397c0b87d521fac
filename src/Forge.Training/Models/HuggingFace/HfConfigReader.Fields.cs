using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Training.Models.HuggingFace;

/// <summary>Typed access to config fields; a wrong type becomes a problem naming the field, and verdicts are recorded.</summary>
internal sealed partial class HfConfigReader
{
    private int? Int(string field, bool required = false)
    {
        seen.Add(field);
        switch (json[field])
        {
            case null when required:
                Problem($"$.{field}: missing");
                return null;
            case null:
                return null;
            case JsonValue v when v.TryGetValue<int>(out var i):
                return i;
            case JsonValue v when v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue:
                return (int)d;
            default:
                Problem($"$.{field}: expected an integer, got {json[field]!.ToJsonString()}");
                return null;
        }
    }

    private double? Double(string field)
    {
        seen.Add(field);
        if (json[field] is null) return null;
        if (json[field] is JsonValue v && v.TryGetValue<double>(out var d)) return d;
        Problem($"$.{field}: expected a number, got {json[field]!.ToJsonString()}");
        return null;
    }

    private bool? Bool(string field)
    {
        seen.Add(field);
        if (json[field] is null) return null;
        if (json[field] is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        Problem($"$.{field}: expected true or false, got {json[field]!.ToJsonString()}");
        return null;
    }

    private string? String(string field)
    {
        seen.Add(field);
        if (json[field] is null) return null;
        if (json[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        Problem($"$.{field}: expected a string, got {json[field]!.ToJsonString()}");
        return null;
    }

    private void Honour(string field, string detail) => Note(field, ConfigVerdict.Honoured, detail);

    private void Refuse(string field, string detail)
    {
        Note(field, ConfigVerdict.Refused, detail);
        Problem($"$.{field}: {detail}");
    }

    private void Note(string field, ConfigVerdict verdict, string detail)
    {
        seen.Add(field.Split('.', '[')[0]);
        notes.Add(new ConfigNote("$." + field.TrimStart('$', '.'), verdict, detail));
    }

    private void Problem(string message) => problems.Add(message);
}
