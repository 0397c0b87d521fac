using System.Text.Json;

namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>The parts of tokenizer_config.json (and chat_template.jinja) that tokenization and chat rendering need.</summary>
internal sealed class TokenizerConfigFile
{
    /// <summary>The name under which the default chat template is listed.</summary>
    public const string DefaultTemplate = "default";

    public string? TokenizerClass { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    public string? PadToken { get; init; }
    public string? UnkToken { get; init; }
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }
    public IReadOnlyDictionary<string, string> ChatTemplates { get; init; } = new Dictionary<string, string>();

    /// <summary>For each token field that was given (<c>bos_token</c> …), the file it came from.</summary>
    public IReadOnlyDictionary<string, string> TokenFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Reads the config in <paramref name="folder"/>; every file is optional. As in transformers, a token named in
    /// special_tokens_map.json wins over the same field of tokenizer_config.json, and chat_template.jinja over
    /// tokenizer_config.json's default template.
    /// </summary>
    public static TokenizerConfigFile Load(string folder)
    {
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        var tokens = new Dictionary<string, string?>(StringComparer.Ordinal);
        var tokenFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        string? tokenizerClass = null;
        bool? addBos = null, addEos = null;
        var file = Path.Combine(folder, HfTokenizer.ConfigFileName);
        if (File.Exists(file))
        {
            using var document = JsonNode.Parse(file);
            var root = new JsonNode(file, "$", document.RootElement);
            root.RequireKind(JsonValueKind.Object);
            if (root.Optional("chat_template") is { } template)
                ReadTemplates(template, templates);
            ReadTokens(root, tokens, tokenFiles);
            tokenizerClass = root.OptionalString("tokenizer_class");
            addBos = root.Optional("add_bos_token")?.Bool();
            addEos = root.Optional("add_eos_token")?.Bool();
        }
        var map = Path.Combine(folder, SpecialTokensMapFileName);
        if (File.Exists(map))
        {
            using var document = JsonNode.Parse(map);
            var root = new JsonNode(map, "$", document.RootElement);
            root.RequireKind(JsonValueKind.Object);
            ReadTokens(root, tokens, tokenFiles);
        }
        var jinja = Path.Combine(folder, HfTokenizer.ChatTemplateFileName);
        if (File.Exists(jinja))
            templates[DefaultTemplate] = File.ReadAllText(jinja);
        return new TokenizerConfigFile
        {
            TokenizerClass = tokenizerClass,
            BosToken = tokens.GetValueOrDefault("bos_token"),
            EosToken = tokens.GetValueOrDefault("eos_token"),
            PadToken = tokens.GetValueOrDefault("pad_token"),
            UnkToken = tokens.GetValueOrDefault("unk_token"),
            AddBosToken = addBos,
            AddEosToken = addEos,
            ChatTemplates = templates,
            TokenFiles = tokenFiles,
        };
    }

    /// <summary>The older file that names the special tokens.</summary>
    public const string SpecialTokensMapFileName = "special_tokens_map.json";

    private static void ReadTokens(JsonNode root, Dictionary<string, string?> tokens, Dictionary<string, string> files)
    {
        foreach (var field in new[] { "bos_token", "eos_token", "pad_token", "unk_token" })
        {
            if (root.Optional(field) is not { } value) continue;
            tokens[field] = TokenText(value);
            files[field] = root.File;
        }
    }

    // "chat_template": "…" or [{"name": "default", "template": "…"}, {"name": "tool_use", …}]
    private static void ReadTemplates(JsonNode node, Dictionary<string, string> templates)
    {
        if (node.Kind == JsonValueKind.String)
        {
            templates[DefaultTemplate] = node.String();
            return;
        }
        foreach (var item in node.Items())
            templates[item.Required("name").String()] = item.Required("template").String();
    }

    // A token field is "text" or {"content": "text", …} (an AddedToken) or null.
    private static string? TokenText(JsonNode node) => node switch
    {
        { Kind: JsonValueKind.String } text => text.String(),
        { Kind: JsonValueKind.Object } added => added.Required("content").String(),
        { } other => throw other.Error("expected a token as a string or {\"content\": …}."),
    };
}
