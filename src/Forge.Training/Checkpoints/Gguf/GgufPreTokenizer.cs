using System.Text.Json.Nodes;

namespace Forge.Training.Checkpoints.Gguf;

/// <summary>
/// Names the pre-tokenizer of a byte-level BPE <c>tokenizer.json</c> as llama.cpp knows it
/// (<c>tokenizer.ggml.pre</c>), from the split regex the file declares: llama.cpp re-implements each known
/// pre-tokenizer, so a regex it does not know cannot be carried over and is refused.
/// </summary>
internal static class GgufPreTokenizer
{
    // Split patterns of the pre-tokenizers llama.cpp implements, as tokenizer.json files write them.
    private static readonly Dictionary<string, string> Known = new(StringComparer.Ordinal)
    {
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "llama-bpe",
        [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"] = "qwen2",
    };

    /// <summary>
    /// The llama.cpp name for <paramref name="preTokenizer"/> (<c>$.pre_tokenizer</c> of <paramref name="file"/>).
    /// <paramref name="hasMerges"/> false (a pure byte vocabulary) makes any splitting equivalent: "default".
    /// </summary>
    public static string Name(JsonNode? preTokenizer, bool hasMerges, string file)
    {
        var splits = new List<string>();
        var byteLevelRegex = false;
        Collect(preTokenizer, splits, ref byteLevelRegex);
        if (!hasMerges)
            return "default";
        if (splits.Count == 0 && byteLevelRegex)
            return "gpt-2";
        if (splits.Count == 1 && !byteLevelRegex && Known.TryGetValue(splits[0], out var name))
            return name;
        var found = splits.Count > 0 ? $"split pattern {string.Join(", ", splits.Select(s => $"'{s}'"))}" : "no split pattern";
        throw new InvalidDataException(
            $"{file}: $.pre_tokenizer: {found} is not a pre-tokenizer llama.cpp implements " +
            "(known: GPT-2's ByteLevel regex, Llama 3's and Qwen2's split patterns); the GGUF file would tokenize differently.");
    }

    private static void Collect(JsonNode? node, List<string> splits, ref bool byteLevelRegex)
    {
        if (node is not JsonObject o)
            return;
        switch ((string?)o["type"])
        {
            case "Sequence":
                foreach (var child in o["pretokenizers"] as JsonArray ?? [])
                    Collect(child, splits, ref byteLevelRegex);
                break;
            case "Split":
                if (o["pattern"]?["Regex"] is JsonValue regex)
                    splits.Add((string)regex!);
                else if (o["pattern"]?["String"] is JsonValue text)
                    splits.Add((string)text!);
                break;
            case "ByteLevel":
                byteLevelRegex |= (bool?)o["use_regex"] ?? true;
                break;
        }
    }
}
