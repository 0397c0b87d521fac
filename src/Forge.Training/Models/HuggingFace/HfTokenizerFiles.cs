using System.Text.Json.Nodes;

namespace Forge.Training.Models.HuggingFace;

/// <summary>The tokenizer and chat-template files of a Hugging Face model folder.</summary>
public static class HfTokenizerFiles
{
    /// <summary>File names that belong to a model's tokenizer or chat template.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json",
        "merges.txt", "tokenizer.model", "chat_template.jinja", "chat_template.json",
    ];

    /// <summary>The tokenizer files present in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> Present(string directory) =>
        [.. Names.Where(name => File.Exists(Path.Combine(directory, name)))];

    /// <summary>
    /// True when the folder carries a chat template: <c>chat_template.jinja</c>, <c>chat_template.json</c>, or a
    /// <c>chat_template</c> entry in <c>tokenizer_config.json</c>.
    /// </summary>
    public static bool HasChatTemplate(string directory)
    {
        if (File.Exists(Path.Combine(directory, "chat_template.jinja")) || File.Exists(Path.Combine(directory, "chat_template.json")))
            return true;
        var config = Path.Combine(directory, "tokenizer_config.json");
        if (!File.Exists(config))
            return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(config)) is JsonObject o && o["chat_template"] is not null;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{config}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Copies the tokenizer files of <paramref name="from"/> into <paramref name="to"/>; returns their names.</summary>
    public static IReadOnlyList<string> Copy(string from, string to)
    {
        var present = Present(from);
        foreach (var name in present)
            File.Copy(Path.Combine(from, name), Path.Combine(to, name), overwrite: true);
        return present;
    }
}
