namespace Forge.Training.Tokenization.HuggingFace;

/// <summary>
/// The tokenizer.json <c>post_processor</c> for a single sequence: the ids <c>encode(text)</c> adds around the text
/// (Llama 3.1's and Gemma's BOS). <c>TemplateProcessing</c>'s <c>single</c> template is honoured; <c>ByteLevel</c> changes
/// no ids; <c>Sequence</c> applies each in turn.
/// </summary>
internal static class PostProcessor
{
    public static Func<IReadOnlyList<int>, List<int>> From(JsonNode node)
    {
        var type = node.Required("type").String();
        switch (type)
        {
            case "ByteLevel":
                return ids => [.. ids];
            case "Sequence":
                var steps = node.Required("processors").Items().Select(From).ToArray();
                return ids => steps.Aggregate(ids.ToList(), (current, step) => step(current));
            case "TemplateProcessing":
                var specials = node.Optional("special_tokens")?.Properties()
                    .ToDictionary(p => p.Name, p => p.Value.Required("ids").Items().Select(i => i.Int()).ToArray()) ?? [];
                var pieces = new List<int[]?>(); // null = the sequence itself
                foreach (var item in node.Required("single").Items())
                {
                    if (item.Optional("Sequence") is { } sequence)
                    {
                        var which = sequence.Required("id").String();
                        if (which != "A")
                            throw sequence.Required("id").Error($"a single-sequence template may only hold sequence 'A', not '{which}'.");
                        pieces.Add(null);
                    }
                    else if (item.Optional("SpecialToken") is { } special)
                    {
                        var name = special.Required("id").String();
                        pieces.Add(specials.TryGetValue(name, out var ids)
                            ? ids
                            : throw special.Required("id").Error($"special token '{name}' is not listed in special_tokens."));
                    }
                    else
                    {
                        throw item.Error("expected {\"Sequence\": …} or {\"SpecialToken\": …}.");
                    }
                }
                return ids => pieces.SelectMany(p => p ?? ids).ToList();
            default:
                throw node.Required("type").Error($"post-processor '{type}' is not supported (supported: TemplateProcessing, ByteLevel, Sequence).");
        }
    }
}
