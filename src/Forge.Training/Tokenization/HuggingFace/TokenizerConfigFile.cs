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

    /// <summary>Reads the config in <paramref name="folder"/>; both files are optional.</summary>
    public static TokenizerConfigFile Load(string folder)
    {
        var file = Path.Combine(folder, HfTokenizer.ConfigFileName);
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        TokenizerConfigFile config;
        if (File.Exists(file))
        {
            using var document = JsonNode.Parse(file);
            var root = new JsonNode(file, "$", document.RootElement);
            root.RequireKind(JsonValueKind.Object);
            if (root.Optional("chat_template") is { } template)
                ReadTemplates(template, templates);
            config = new TokenizerConfigFile
            {
                TokenizerClass = root.OptionalString("tokenizer_class"),
                BosToken = TokenText(root.Optional("bos_token")),
                EosToken = TokenText(root.Optional("eos_token")),
                PadToken = TokenText(root.Optional("pad_token")),
                UnkToken = TokenText(root.Optional("unk_token")),
                AddBosToken = root.Optional("add_bos_token")?.Bool(),
                AddEosToken = root.Optional("add_eos_token")?.Bool(),
                ChatTemplates = templates,
            };
        }
        else
        {
            config = new TokenizerConfigFile { ChatTemplates = templates };
        }
        var jinja = Path.Combine(folder, HfTokenizer.ChatTemplateFileName);
        if (File.Exists(jinja))
            templates[DefaultTemplate] = File.ReadAllText(jinja);
        return config;
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
    private static string? TokenText(JsonNode? node) => node switch
    {
        null => null,
        { Kind: JsonValueKind.String } text => text.String(),
        { Kind: JsonValueKind.Object } added => added.Required("content").String(),
        { } other => throw other.Error("expected a token as a string or {\"content\": …}."),
    };
}
