using System.Text.Json;
using Forge.Agents.ChatTemplates.Jinja;
using Forge.Core;

namespace Forge.Agents.ChatTemplates;

/// <summary>
/// A model's own chat template (the Jinja2 <c>chat_template</c> of its <c>tokenizer_config.json</c>, or
/// <c>chat_template.jinja</c>), rendered as transformers' <c>apply_chat_template(messages, tools=…,
/// add_generation_prompt=…, **kwargs)</c> renders it: the messages and tools in OpenAI's shape
/// (<see cref="ChatTemplateInput"/>), the tokenizer's special tokens (<c>bos_token</c>, <c>eos_token</c>, …) and any extra
/// variables (<c>enable_thinking</c>) passed to the template.
/// </summary>
public sealed class HfChatTemplate
{
    private static readonly string[] SpecialTokenKeys =
        ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "additional_special_tokens"];

    private readonly JinjaTemplate _template;
    private readonly IReadOnlyDictionary<string, object?> _specialTokens;
    private readonly TimeProvider _clock;

    /// <summary>A template from its source; <paramref name="specialTokens"/> are the tokenizer's (e.g. <c>eos_token</c> → <c>&lt;|im_end|&gt;</c>).</summary>
    public HfChatTemplate(string source, IReadOnlyDictionary<string, string> specialTokens, string name = "chat_template", TimeProvider? clock = null)
        : this(JinjaTemplate.Parse(source, name), specialTokens.ToDictionary(p => p.Key, p => (object?)p.Value), clock)
    {
        Source = source;
    }

    private HfChatTemplate(JinjaTemplate template, IReadOnlyDictionary<string, object?> specialTokens, TimeProvider? clock)
    {
        _template = template;
        _specialTokens = specialTokens;
        _clock = clock ?? TimeProvider.System;
        Source = "";
    }

    /// <summary>The template's name in errors: the file it came from.</summary>
    public string Name => _template.Name;

    /// <summary>The template's Jinja source.</summary>
    public string Source { get; private init; }

    /// <summary>The tokenizer's special tokens passed to the template, by name (<c>bos_token</c>, <c>eos_token</c>, …).</summary>
    public IReadOnlyDictionary<string, object?> SpecialTokens => _specialTokens;

    /// <summary>
    /// Loads the template of a model folder: <c>chat_template.jinja</c> when present (transformers prefers it), otherwise
    /// <c>chat_template</c> in <c>tokenizer_config.json</c>; special tokens come from <c>tokenizer_config.json</c>.
    /// </summary>
    public static HfChatTemplate Load(string modelFolder, TimeProvider? clock = null)
    {
        var config = Path.Combine(modelFolder, "tokenizer_config.json");
        if (!File.Exists(config)) throw new FileNotFoundException($"{config} is missing: a model folder needs tokenizer_config.json for its chat template.", config);
        var jinja = Path.Combine(modelFolder, "chat_template.jinja");
        return FromConfig(config, File.Exists(jinja) ? File.ReadAllText(jinja) : null, File.Exists(jinja) ? jinja : config, clock);
    }

    /// <summary>Loads the template from a <c>tokenizer_config.json</c> file.</summary>
    public static HfChatTemplate FromConfig(string tokenizerConfigPath, TimeProvider? clock = null) =>
        FromConfig(tokenizerConfigPath, null, tokenizerConfigPath, clock);

    private static HfChatTemplate FromConfig(string configPath, string? templateSource, string templateName, TimeProvider? clock)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(configPath)); }
        catch (JsonException e) { throw new InvalidDataException($"{configPath} is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            var root = doc.RootElement;
            templateSource ??= TemplateFromConfig(root, configPath);
            var specials = new Dictionary<string, object?>();
            foreach (var key in SpecialTokenKeys)
            {
                if (!root.TryGetProperty(key, out var value)) continue;
                var token = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String => content.GetString(),
                    JsonValueKind.Array => (object?)value.EnumerateArray().Select(v => (object?)(v.ValueKind == JsonValueKind.Object ? v.GetProperty("content").GetString() : v.GetString())).ToList(),
                    _ => null,
                };
                if (token is not null) specials[key] = token;
            }
            return new HfChatTemplate(JinjaTemplate.Parse(templateSource, templateName), specials, clock) { Source = templateSource };
        }
    }

    // "chat_template" is a string, or a list of {"name", "template"} of which "default" is the one apply_chat_template uses.
    private static string TemplateFromConfig(JsonElement root, string configPath)
    {
        if (!root.TryGetProperty("chat_template", out var template) || template.ValueKind == JsonValueKind.Null)
            throw new InvalidDataException($"{configPath} has no \"chat_template\": this model has no chat template to render conversations with.");
        if (template.ValueKind == JsonValueKind.String) return template.GetString()!;
        if (template.ValueKind == JsonValueKind.Array)
            foreach (var entry in template.EnumerateArray())
                if (entry.TryGetProperty("name", out var n) && n.GetString() == "default" && entry.TryGetProperty("template", out var t) && t.ValueKind == JsonValueKind.String)
                    return t.GetString()!;
        throw new InvalidDataException($"{configPath}: \"chat_template\" must be a string or a list with a \"default\" entry.");
    }

    /// <summary>
    /// Renders <paramref name="conversation"/> as <c>apply_chat_template</c> does. <paramref name="variables"/> are the extra
    /// keyword arguments (e.g. <c>enable_thinking</c> → false). Throws <see cref="TemplateRaisedException"/> when the
    /// template refuses the conversation (its <c>raise_exception</c>).
    /// </summary>
    public string Render(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec> tools, bool addGenerationPrompt,
                         IReadOnlyDictionary<string, object?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(tools);
        var context = new Dictionary<string, object?>(_specialTokens);
        if (variables is not null)
            foreach (var (k, v) in variables) context[k] = v;
        context["messages"] = ChatTemplateInput.Messages(conversation);
        context["tools"] = ChatTemplateInput.Tools(tools);
        context["documents"] = null;
        context["add_generation_prompt"] = addGenerationPrompt;
        return _template.Render(context, _clock);
    }
}
