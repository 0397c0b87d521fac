using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>
/// The <c>tokenizer.*</c> GGUF keys of a Hugging Face byte-level BPE tokenizer (<see cref="GgufTokenizerSource"/>),
/// read as plain JSON: model <c>gpt2</c>, the pre-tokenizer's llama.cpp name, every token in id order padded to
/// the model's vocabulary with <c>[PADn]</c>, token types, merges, the special token ids and the chat template.
/// </summary>
internal static class GgufTokenizer
{
    // llama.cpp's token types.
    private const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;

    /// <summary>Adds the tokenizer keys to <paramref name="writer"/> for a model with <paramref name="vocabSize"/> embedding rows.</summary>
    /// <param name="writer">The file being written.</param>
    /// <param name="source">The tokenizer files.</param>
    /// <param name="vocabSize">Rows of the embedding matrix; the token list is padded to it.</param>
    /// <param name="configIds">bos/eos ids of <c>config.json</c>, used where <c>tokenizer_config.json</c> names none.</param>
    public static void AddTo(GgufWriter writer, GgufTokenizerSource source, int vocabSize, (int? Bos, int? Eos) configIds)
    {
        var (root, file, config, configFile) = (source.Tokenizer, source.Label, source.Config, source.ConfigLabel);
        var model = root["model"] as JsonObject ?? throw new InvalidDataException($"{file}: $.model: missing.");
        var type = (string?)model["type"] ?? "BPE"; // Hugging Face's default model type
        if (type != "BPE" || !IsByteLevel(root))
            throw new InvalidDataException(
                $"{file}: $.model.type: only byte-level BPE tokenizers can be written to GGUF (got '{type}'" +
                (IsByteLevel(root) ? ")." : " without a ByteLevel pre-tokenizer)."));

        var tokens = new string?[vocabSize];
        var types = new int[vocabSize];
        foreach (var (token, idNode) in model["vocab"] as JsonObject ?? throw new InvalidDataException($"{file}: $.model.vocab: missing."))
            Place(tokens, types, Id(idNode, file, $"$.model.vocab['{token}']"), token, Normal, file);
        var added = root["added_tokens"] as JsonArray ?? [];
        for (var i = 0; i < added.Count; i++)
        {
            var at = $"$.added_tokens[{i}]";
            var content = (string?)added[i]?["content"] ?? throw new InvalidDataException($"{file}: {at}.content: missing.");
            var special = (bool?)added[i]?["special"] ?? false;
            Place(tokens, types, Id(added[i]?["id"], file, $"{at}.id"), content, special ? Control : UserDefined, file);
        }
        for (var id = 0; id < vocabSize; id++)
            if (tokens[id] is null)
                (tokens[id], types[id]) = ($"[PAD{id}]", Unused);

        var merges = Merges(model["merges"], file);
        writer.Add("tokenizer.ggml.model", GgufValue.String("gpt2"))
            .Add("tokenizer.ggml.pre", GgufValue.String(GgufPreTokenizer.Name(root["pre_tokenizer"], merges.Count > 0, file)))
            .Add("tokenizer.ggml.tokens", GgufValue.Strings(tokens!))
            .Add("tokenizer.ggml.token_type", GgufValue.Int32s(types))
            .Add("tokenizer.ggml.merges", GgufValue.Strings(merges));

        int? IdOf(string key)
        {
            var text = config[key] switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => (string?)v,
                JsonObject o => (string?)o["content"],
                _ => null,
            };
            if (text is null)
                return null;
            var id = Array.IndexOf(tokens, text);
            return id >= 0 ? id : throw new InvalidDataException($"{configFile}: $.{key}: '{text}' is not a token of {file}.");
        }
        if ((IdOf("bos_token") ?? configIds.Bos) is { } bos)
            writer.Add("tokenizer.ggml.bos_token_id", GgufValue.UInt32((uint)bos));
        if ((IdOf("eos_token") ?? configIds.Eos) is { } eos)
            writer.Add("tokenizer.ggml.eos_token_id", GgufValue.UInt32((uint)eos));
        if (IdOf("pad_token") is { } pad)
            writer.Add("tokenizer.ggml.padding_token_id", GgufValue.UInt32((uint)pad));
        writer.Add("tokenizer.ggml.add_bos_token", GgufValue.Bool(AddsBos(config, root, tokens, IdOf("bos_token") ?? configIds.Bos)));
        if (source.ChatTemplate is { } template)
            writer.Add("tokenizer.chat_template", GgufValue.String(template));
    }

    private static bool IsByteLevel(JsonObject root) =>
        (string?)root["decoder"]?["type"] == "ByteLevel" || root["pre_tokenizer"]?.ToJsonString().Contains("\"ByteLevel\"", StringComparison.Ordinal) == true;

    private static int Id(JsonNode? node, string file, string at) =>
        node is JsonValue v && v.TryGetValue<int>(out var id) && id >= 0 ? id : throw new InvalidDataException($"{file}: {at}: expected a non-negative integer id.");

    private static void Place(string?[] tokens, int[] types, int id, string token, int type, string file)
    {
        if (id >= tokens.Length)
            throw new InvalidDataException($"{file}: token '{token}' has id {id}, beyond the model's {tokens.Length} embedding rows (config.json vocab_size).");
        tokens[id] = token;
        types[id] = type;
    }

    // "a b" strings (older files) or ["a", "b"] pairs (newer files) → "a b".
    private static List<string> Merges(JsonNode? node, string file)
    {
        var merges = new List<string>();
        var array = node as JsonArray ?? [];
        for (var i = 0; i < array.Count; i++)
        {
            merges.Add(array[i] switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => (string)v!,
                JsonArray { Count: 2 } pair when pair[0] is JsonValue && pair[1] is JsonValue => $"{(string?)pair[0]} {(string?)pair[1]}",
                _ => throw new InvalidDataException($"{file}: $.model.merges[{i}]: expected \"a b\" or [\"a\", \"b\"]."),
            });
        }
        return merges;
    }

    // tokenizer_config.json's add_bos_token when given; else whether the post-processor puts the BOS token first.
    private static bool AddsBos(JsonObject config, JsonObject root, string?[] tokens, int? bos)
    {
        if (config["add_bos_token"] is JsonValue v && v.TryGetValue<bool>(out var explicitly))
            return explicitly;
        if (bos is not { } id)
            return false;
        var processors = root["post_processor"] is JsonObject { } p && (string?)p["type"] == "Sequence"
            ? (p["processors"] as JsonArray ?? []).OfType<JsonObject>()
            : root["post_processor"] is JsonObject single ? [single] : [];
        return processors.Any(p => (string?)p["type"] == "TemplateProcessing"
            && (string?)(p["single"] as JsonArray)?.FirstOrDefault()?["SpecialToken"]?["id"] == tokens[id]);
    }
}
