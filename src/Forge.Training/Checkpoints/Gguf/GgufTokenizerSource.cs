using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Tokenization;
using HfTokenizerFiles = Forge.Training.Tokenization.HuggingFace.HfTokenizerFiles;

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
    /// A checkpoint's tokenizer: a Hugging Face tokenizer's own folder, or the Hugging Face files Forge's byte and GPT-2
    /// tokenizers correspond to (<see cref="Forge.Training.Tokenization.HuggingFace.HfTokenizerFiles.Save"/>, written to a scratch folder and read back).
    /// </summary>
    public static GgufTokenizerSource FromTokenizer(ITokenizer tokenizer)
    {
        if (tokenizer is Forge.Training.Tokenization.HuggingFace.HfTokenizer hf)
            return FromFolder(hf.Folder);
        var scratch = Directory.CreateTempSubdirectory("forge-gguf-tokenizer-").FullName;
        try
        {
            HfTokenizerFiles.Save(tokenizer, scratch);
            return FromFolder(scratch) with { Label = $"{tokenizer.Spec.Kind} tokenizer", ConfigLabel = $"{tokenizer.Spec.Kind} tokenizer config" };
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
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
