using System.Text.Json;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>What a tokenizer.json describes, parsed: the BPE model, added tokens and the pipeline steps around them.</summary>
internal sealed class TokenizerJsonFile
{
    /// <summary>The largest token id accepted (far above any real vocabulary; guards the id → token table).</summary>
    public const int MaxId = (1 << 24) - 1;

    public required BpeModel Model { get; init; }
    public required IReadOnlyList<AddedToken> AddedTokens { get; init; }
    public Func<string, string>? Normalizer { get; init; }
    public Func<string, bool, IEnumerable<string>>? PreTokenizer { get; init; }
    public Func<IReadOnlyList<int>, List<int>>? PostProcessor { get; init; }
    public Func<List<string>, List<string>>? Decoder { get; init; }

    public static TokenizerJsonFile Load(string file)
    {
        using var document = JsonNode.Parse(file);
        var root = new JsonNode(file, "$", document.RootElement);
        root.RequireKind(JsonValueKind.Object);
        var model = root.Required("model");
        var added = root.Optional("added_tokens")?.Items().Select(AddedToken.From).ToList() ?? [];
        return new TokenizerJsonFile
        {
            Model = LoadModel(model),
            AddedTokens = added,
            Normalizer = root.Optional("normalizer") is { } n ? Normalizers.From(n) : null,
            PreTokenizer = root.Optional("pre_tokenizer") is { } p ? PreTokenizers.From(p) : null,
            PostProcessor = root.Optional("post_processor") is { } pp ? HuggingFace.PostProcessor.From(pp) : null,
            Decoder = root.Optional("decoder") is { } d ? Decoders.From(d) : null,
        };
    }

    private static BpeModel LoadModel(JsonNode model)
    {
        var type = model.OptionalString("type") ?? "BPE";
        if (type != "BPE")
            throw model.Required("type").Error($"model type '{type}' is not supported; only BPE models (byte-level or with byte fallback) are.");
        if (model.Optional("dropout") is { } dropout && (dropout.Kind != JsonValueKind.Number || dropout.Element.GetDouble() != 0))
            throw dropout.Error("BPE dropout is not supported (it makes encoding random).");
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (model.OptionalString(affix) is { Length: > 0 } value)
                throw model.Required(affix).Error($"'{value}' is not supported; only models without a subword prefix or word suffix are.");

        var vocabNode = model.Required("vocab");
        vocabNode.RequireKind(JsonValueKind.Object);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabNode.Element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id is < 0 or > MaxId)
                throw new JsonNode(vocabNode.File, $"{vocabNode.Path}[{JsonSerializer.Serialize(entry.Name)}]", entry.Value).Error($"expected an integer id from 0 to {MaxId}.");
            vocab[entry.Name] = id;
        }

        var mergesNode = model.Optional("merges");
        var merges = new Dictionary<long, (int, int)>();
        if (mergesNode is { } list)
        {
            list.RequireKind(JsonValueKind.Array);
            var rank = 0;
            foreach (var item in list.Element.EnumerateArray())
            {
                var (left, right) = MergePair(list, rank, item);
                if (!vocab.TryGetValue(left, out var a) || !vocab.TryGetValue(right, out var b) || !vocab.TryGetValue(left + right, out var merged))
                    throw new JsonNode(list.File, $"{list.Path}[{rank}]", item).Error($"merge '{left}' + '{right}' uses a token that is not in the vocabulary.");
                merges.TryAdd(BpeModel.PairKey(a, b), (rank, merged));
                rank++;
            }
        }

        int? unkId = null;
        if (model.OptionalString("unk_token") is { } unk)
            unkId = vocab.TryGetValue(unk, out var id) ? id : throw model.Required("unk_token").Error($"unknown token '{unk}' is not in the vocabulary.");
        return new BpeModel(vocab, merges, unkId,
            fuseUnk: model.OptionalBool("fuse_unk", false),
            byteFallback: model.OptionalBool("byte_fallback", false),
            ignoreMerges: model.OptionalBool("ignore_merges", false));
    }

    // A merge is "left right" (older files) or ["left", "right"] (newer files, which allow spaces in tokens).
    private static (string Left, string Right) MergePair(JsonNode list, int rank, JsonElement item)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            var text = item.GetString()!;
            var space = text.IndexOf(' ');
            if (space > 0 && space < text.Length - 1 && text.IndexOf(' ', space + 1) < 0)
                return (text[..space], text[(space + 1)..]);
        }
        else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2
                 && item[0].ValueKind == JsonValueKind.String && item[1].ValueKind == JsonValueKind.String)
        {
            return (item[0].GetString()!, item[1].GetString()!);
        }
        throw new JsonNode(list.File, $"{list.Path}[{rank}]", item).Error("expected a merge as \"left right\" or [\"left\", \"right\"].");
    }
}
