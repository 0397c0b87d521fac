namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// A Hugging Face tokenizer read from a model folder's <c>tokenizer.json</c> (+ optional <c>tokenizer_config.json</c> and
/// <c>chat_template.jinja</c>): BPE, byte-level (Qwen2/Qwen3, Llama 3) or with byte fallback (Gemma, Llama 2), with
/// the file's normalizer, pre-tokenizer, added tokens, post-processor and decoder. Ids equal Hugging Face's.
/// <see cref="Encode"/> adds nothing around the text (chat templates write BOS themselves);
/// <see cref="EncodeWithSpecialTokens"/> applies the post-processor as Hugging Face's <c>encode(text)</c> does.
/// </summary>
public sealed partial class HfTokenizer : ITokenizer
{
    /// <summary>The tokenizer's main file.</summary>
    public const string TokenizerFileName = "tokenizer.json";

    /// <summary>The optional config (special token names, chat template).</summary>
    public const string ConfigFileName = "tokenizer_config.json";

    /// <summary>The optional separate chat template newer folders carry.</summary>
    public const string ChatTemplateFileName = "chat_template.jinja";

    private readonly TokenizerJsonFile file;
    private readonly TokenizerConfigFile config;
    private readonly AddedTokenMatcher rawMatcher;
    private readonly AddedTokenMatcher normalizedMatcher;
    private readonly Dictionary<int, AddedToken> addedById;
    private readonly Dictionary<string, int> addedByContent;
    private readonly string?[] tokenById;
    private readonly Func<IReadOnlyList<int>, List<int>>? postProcessor;
    private readonly Dictionary<string, int> specialTokens;

    private HfTokenizer(string folder, TokenizerJsonFile file, TokenizerConfigFile config)
    {
        Folder = folder;
        this.file = file;
        this.config = config;
        rawMatcher = new AddedTokenMatcher(file.AddedTokens.Where(t => !t.Normalized));
        normalizedMatcher = new AddedTokenMatcher(file.AddedTokens.Where(t => t.Normalized));
        addedById = [];
        foreach (var token in file.AddedTokens)
            addedById[token.Id] = token;
        VocabSize = Math.Max(file.Model.Vocab.Count == 0 ? 0 : file.Model.Vocab.Values.Max() + 1, addedById.Count == 0 ? 0 : addedById.Keys.Max() + 1);
        tokenById = new string?[VocabSize];
        foreach (var (text, id) in file.Model.Vocab)
            if (id >= 0) tokenById[id] = text;
        foreach (var (id, token) in addedById)
            if (id >= 0) tokenById[id] = token.Content;
        addedByContent = file.AddedTokens.GroupBy(t => t.Content).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        specialTokens = file.AddedTokens.Where(t => t.Special).GroupBy(t => t.Content).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);

        BosTokenId = IdOfConfigToken(config.BosToken, "bos_token");
        EosTokenId = IdOfConfigToken(config.EosToken, "eos_token");
        PadTokenId = IdOfConfigToken(config.PadToken, "pad_token");
        postProcessor = ConfiguredPostProcessor() ?? file.PostProcessor;
        Spec = new TokenizerSpec { Kind = TokenizerSpec.HfKind, Path = folder };
    }

    /// <summary>Loads the tokenizer in <paramref name="folder"/>; a missing or malformed file throws <see cref="TokenizerFileException"/> naming it.</summary>
    public static HfTokenizer Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
            throw new TokenizerFileException(full, null, "folder not found.");
        var json = TokenizerJsonFile.Load(Path.Combine(full, TokenizerFileName));
        var config = TokenizerConfigFile.Load(full);
        return new HfTokenizer(full, json, config);
    }

    /// <summary>The folder the tokenizer was loaded from.</summary>
    public string Folder { get; }

    /// <summary>tokenizer_config.json's <c>tokenizer_class</c> (e.g. <c>Qwen2Tokenizer</c>), if given.</summary>
    public string? TokenizerClass => config.TokenizerClass;

    /// <summary>Chat templates by name; the default one is named <c>default</c> (from <c>chat_template</c> or chat_template.jinja).</summary>
    public IReadOnlyDictionary<string, string> ChatTemplates => config.ChatTemplates;

    /// <summary>The default chat template, or null when the folder has none.</summary>
    public string? ChatTemplate => config.ChatTemplates.GetValueOrDefault(TokenizerConfigFile.DefaultTemplate);

    /// <summary>The BOS token's text from tokenizer_config.json, or null (Qwen has none).</summary>
    public string? BosToken => config.BosToken;

    /// <summary>The EOS token's text from tokenizer_config.json, or null.</summary>
    public string? EosToken => config.EosToken;

    /// <summary>The padding token's text from tokenizer_config.json, or null.</summary>
    public string? PadToken => config.PadToken;

    /// <summary>The BOS token's id, or null.</summary>
    public int? BosTokenId { get; }

    /// <summary>The EOS token's id, or null.</summary>
    public int? EosTokenId { get; }

    /// <summary>The padding token's id, or null.</summary>
    public int? PadTokenId { get; }

    /// <summary>tokenizer_config.json's <c>add_bos_token</c>, or null when it does not say.</summary>
    public bool? AddBosToken => config.AddBosToken;

    /// <summary>tokenizer_config.json's <c>add_eos_token</c>, or null when it does not say.</summary>
    public bool? AddEosToken => config.AddEosToken;

    /// <inheritdoc/>
    public int VocabSize { get; }

    /// <summary>The BOS id; without a BOS token, the EOS id (or -1 when there is neither).</summary>
    public int BosId => BosTokenId ?? EosId;

    /// <summary>The EOS id, or -1 when the config names none.</summary>
    public int EosId => EosTokenId ?? -1;

    /// <summary>The padding id; without a padding token, the EOS id, as is usual for these models.</summary>
    public int PadId => PadTokenId ?? EosId;

    /// <summary>Special added tokens (those marked <c>special</c> in tokenizer.json): text → id.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens => specialTokens;

    /// <inheritdoc/>
    public TokenizerSpec Spec { get; }

    /// <inheritdoc/>
    public int SpecialTokenId(string token) => specialTokens.TryGetValue(token, out var id)
        ? id
        : throw new KeyNotFoundException($"special token '{token}' is not in the tokenizer at {Folder}; it has {specialTokens.Count} special tokens, e.g. {string.Join(", ", specialTokens.Keys.Take(8))}.");

    /// <inheritdoc/>
    public bool IsSpecial(int id) => addedById.TryGetValue(id, out var token) && token.Special;

    /// <summary>The token string of <paramref name="id"/> (byte-level tokens as stored, e.g. <c>Ġthe</c>), or null when out of range.</summary>
    public string? IdToToken(int id) => id >= 0 && id < tokenById.Length ? tokenById[id] : null;

    /// <summary>The id of a token string (vocabulary or added token), or null.</summary>
    public int? TokenToId(string token) =>
        addedByContent.TryGetValue(token, out var added) ? added : file.Model.Vocab.TryGetValue(token, out var id) ? id : null;

    private int? IdOfConfigToken(string? text, string field) => text is null
        ? null
        : TokenToId(text) ?? throw new TokenizerFileException(config.TokenFiles[field], $"$.{field}", $"token '{text}' is neither in the vocabulary nor an added token of {TokenizerFileName}.");

    // transformers' Llama and Gemma tokenizers rebuild the post-processor from add_bos_token / add_eos_token.
    private Func<IReadOnlyList<int>, List<int>>? ConfiguredPostProcessor()
    {
        var family = config.TokenizerClass?.Replace("Fast", "", StringComparison.Ordinal);
        if (family is not ("LlamaTokenizer" or "CodeLlamaTokenizer" or "GemmaTokenizer") || (config.AddBosToken is null && config.AddEosToken is null))
            return null;
        var bos = config.AddBosToken ?? true ? BosTokenId : null;
        var eos = config.AddEosToken ?? false ? EosTokenId : null;
        return ids => [.. bos is { } b ? [b] : Array.Empty<int>(), .. ids, .. eos is { } e ? [e] : Array.Empty<int>()];
    }
}
