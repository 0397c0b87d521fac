using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Training.Rl;

/// <summary>
/// Reads <c>trainer.model</c> in its two forms: Forge's own shape (<c>{"d_model": 64, …}</c>, a new model) or
/// <c>{"from": "DIR"}</c>, a Hugging Face model folder whose <c>config.json</c> gives the shape and whose tokenizer and chat
/// template come with it — so <c>from</c> takes no shape fields beside it, and no <c>trainer.tokenizer</c>.
/// </summary>
internal static class ModelSource
{
    private const string From = "from";

    /// <summary>The section without <c>model.from</c>, and the folder it names (relative to <paramref name="source"/>'s folder), or null.</summary>
    public static (JsonObject Section, string? From) Split(JsonElement section, string source)
    {
        var json = JsonNode.Parse(section.GetRawText(), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
            ?? throw new FormatException($"{source}: $.trainer: expected an object.");
        if (json["model"] is not JsonObject model || !model.ContainsKey(From))
            return (json, null);
        if (model[From] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            throw new FormatException($"{source}: $.trainer.model.from: expected the path of a Hugging Face model folder (a string).");
        var others = model.Select(p => p.Key).Where(k => k != From).ToList();
        if (others.Count > 0)
            throw new FormatException($"{source}: $.trainer.model: 'from' loads the shape from the folder's config.json; remove {string.Join(", ", others)} "
                + "(or drop 'from' to build a new Forge model of that shape).");
        if (json.ContainsKey("tokenizer"))
            throw new FormatException($"{source}: $.trainer.tokenizer: a model loaded with model.from uses its folder's own tokenizer; remove 'tokenizer'.");
        var folder = value.GetValue<string>();
        json.Remove("model");
        return (json, Resolve(folder, source));
    }

    // Relative to the scenario file's folder when the source is a file, else to the working directory.
    private static string Resolve(string folder, string source)
    {
        if (folder.Length == 0 || Path.IsPathRooted(folder)) return folder;
        var baseDirectory = File.Exists(source) ? Path.GetDirectoryName(Path.GetFullPath(source)) : null;
        return Path.GetFullPath(Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), folder));
    }
}
