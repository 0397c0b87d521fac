using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Tokenization;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>
/// The Hugging Face tokenizer files a GGUF file's tokenizer keys come from: <c>tokenizer.json</c>, and
/// <c>tokenizer_config.json</c> (special tokens, chat template) with <c>chat_template.jinja</c> when present.
/// <paramref name="Label"/> and <paramref name="ConfigLabel"/> name them in errors.
/// </summary>
internal sealed record GgufTokenizerSource(JsonObject Tokenizer, string Label, JsonObject Config, string ConfigLabel, string? ChatTemplate)
{
    /// <summary>Reads the tokenizer files of <paramref name="directory"/>.</summary>
    public static GgufTokenizerSource FromFolder(string directory)
    {
        var file = Path.Combine(directory, "tokenizer.json");
        if (!File.Exists(file))
            throw new FileNotFoundException($"{file}: not found; a GGUF file carries the model's tokenizer, and only tokenizer.json (byte-level BPE) can be converted.", file);
        var configFile = Path.Combine(directory, "tokenizer_config.json");
        var config = File.Exists(configFile) ? ReadObject(configFile) : [];
        var jinja = Path.Combine(directory, "chat_template.jinja");
        var template = File.Exists(jinja) ? File.ReadAllText(jinja) : ChatTemplateOf(config);
        return new GgufTokenizerSource(ReadObject(file), file, config, configFile, template);
    }

    /// <summary>
    /// Any Forge tokenizer (a Hugging Face one, or Forge's byte and GPT-2 tokenizers written out as the Hugging Face
    /// files that encode to the same ids) through a scratch folder that is removed again.
    /// </summary>
    public static GgufTokenizerSource FromTokenizer(ITokenizer tokenizer)
    {
        var scratch = Directory.CreateTempSubdirectory("forge-gguf-tokenizer-");
        try
        {
            Tokenization.HuggingFace.HfTokenizerFiles.Save(tokenizer, scratch.FullName);
            return FromFolder(scratch.FullName);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    // A string, or a list of named templates of which "default" is the one applied.
    private static string? ChatTemplateOf(JsonObject config) => config["chat_template"] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => (string?)v,
        JsonArray named => (string?)named.OfType<JsonObject>().FirstOrDefault(t => (string?)t["name"] == "default")?["template"],
        _ => null,
    };

    private static JsonObject ReadObject(string file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(file)) as JsonObject ?? throw new InvalidDataException($"{file}: $: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: {e.Path}: {e.Message}", e);
        }
    }
}
