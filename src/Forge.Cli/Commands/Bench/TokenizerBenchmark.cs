using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// One side's timings, every timed repeat: loading; the first encoding of the documents by a tokenizer just loaded (cold
/// caches); encoding and decoding them again (warm; after one warm-up pass).
/// </summary>
internal sealed record TokenizerTimings(IReadOnlyList<double> LoadMs, IReadOnlyList<double> ColdEncodeSeconds, IReadOnlyList<double> EncodeSeconds, IReadOnlyList<double> DecodeSeconds, long Tokens, uint Checksum)
{
    public double MedianLoadMs => Median(LoadMs);

    public double ColdEncodeTokensPerSecond => Tokens / Median(ColdEncodeSeconds);

    public double EncodeTokensPerSecond => Tokens / Median(EncodeSeconds);

    public double DecodeTokensPerSecond => Tokens / Median(DecodeSeconds);

    /// <summary>Megabytes of UTF-8 text encoded per second.</summary>
    public double EncodeMegabytesPerSecond(long bytes) => bytes / 1e6 / Median(EncodeSeconds);

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>
/// <c>forge bench tokenizer</c>'s measurements: a Hugging Face tokenizer folder loaded, and agent-shaped documents encoded
/// and decoded, by Forge's <see cref="HfTokenizer"/> and by the baseline, @lenml/tokenizers (an independent JavaScript
/// port of Hugging Face's tokenizers) under node, on the same files and documents in the same run. Both sides checksum
/// the ids they produce, so the run also says whether they agree.
/// </summary>
internal static class TokenizerBenchmark
{
    private static readonly BaselineScript Script = new("node", "tokenizer_bench.js");

    /// <summary>FNV-1a over every id in document order (the baseline computes the same).</summary>
    public static uint Checksum(IEnumerable<IReadOnlyList<int>> documents)
    {
        var checksum = 0x811c9dc5u;
        foreach (var ids in documents)
            foreach (var id in ids)
                checksum = unchecked((checksum ^ (uint)id) * 0x01000193u);
        return checksum;
    }

    /// <summary>Forge's side: <paramref name="repeats"/> timed loads, encodings and decodings of <paramref name="documents"/>, each after one warm-up; cancellation is seen between passes.</summary>
    public static TokenizerTimings MeasureForge(string folder, IReadOnlyList<string> documents, int repeats, CancellationToken cancellationToken)
    {
        var tokenizer = HfTokenizer.Load(folder);
        var load = Timed(repeats, () => HfTokenizer.Load(folder), cancellationToken);
        var cold = new List<double>(repeats);
        for (var i = 0; i < repeats; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fresh = HfTokenizer.Load(folder);
            var clock = Stopwatch.StartNew();
            foreach (var document in documents) fresh.Encode(document);
            cold.Add(clock.Elapsed.TotalSeconds);
        }
        var encoded = new IReadOnlyList<int>[documents.Count];
        var encode = Timed(repeats, () =>
        {
            for (var i = 0; i < documents.Count; i++) encoded[i] = tokenizer.Encode(documents[i]);
        }, cancellationToken);
        var decode = Timed(repeats, () =>
        {
            foreach (var ids in encoded) tokenizer.Decode(ids);
        }, cancellationToken);
        return new TokenizerTimings([.. load.Select(s => s * 1000)], cold, encode, decode, encoded.Sum(ids => (long)ids.Count), Checksum(encoded));
    }

    private static List<double> Timed(int repeats, Action work, CancellationToken cancellationToken)
    {
        work();   // warm-up: the JIT, caches
        var times = new List<double>(repeats);
        for (var i = 0; i < repeats; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            work();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return times;
    }

    /// <summary>
    /// The baseline's side: <see cref="Script"/> under <c>node</c>, with <paramref name="nodeModules"/> (holding
    /// <c>@lenml/tokenizers</c>) on NODE_PATH.
    /// </summary>
    /// <exception cref="InvalidOperationException">node is missing, or the script failed or printed something else than its result.</exception>
    public static async Task<TokenizerTimings> MeasureBaselineAsync(string folder, IReadOnlyList<string> documents, int repeats, string nodeModules, CancellationToken cancellationToken)
    {
        var documentsFile = Path.Combine(Path.GetTempPath(), $"forge-bench-tokenizer-{Guid.NewGuid():n}.json");
        try
        {
            await File.WriteAllTextAsync(documentsFile, JsonSerializer.Serialize(documents), cancellationToken);
            return Parse(await Script.RunAsync([folder, documentsFile, $"{repeats}"], new Dictionary<string, string> { ["NODE_PATH"] = nodeModules }, cancellationToken));
        }
        finally
        {
            File.Delete(documentsFile);
        }
    }

    private static TokenizerTimings Parse(string output)
    {
        try
        {
            using var json = JsonDocument.Parse(output);
            var root = json.RootElement;
            double[] Times(string name) => [.. root.GetProperty(name).EnumerateArray().Select(e => e.GetDouble())];
            return new TokenizerTimings(Times("load_ms"), Times("cold_encode_s"), Times("encode_s"), Times("decode_s"), root.GetProperty("tokens").GetInt64(), root.GetProperty("checksum").GetUInt32());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidOperationException($"The baseline {Script.Path} printed '{output.Trim()}', not its result: {e.Message}", e);
        }
    }

    /// <summary>
    /// About <paramref name="kib"/> KiB of documents shaped like an agent's traffic, the same for the same
    /// <paramref name="seed"/>: chat turns in ChatML markers (special tokens where the tokenizer has them), JSON tool
    /// calls and results, Python code, English prose with numbers, and some accented, CJK and emoji text.
    /// </summary>
    public static IReadOnlyList<string> AgentDocuments(int kib, int seed = 1)
    {
        var random = new Random(seed);
        var documents = new List<string>();
        long bytes = 0;
        while (bytes < kib * 1024L)
        {
            var document = new StringBuilder();
            document.Append("<|im_start|>system\nYou are a support agent. Use the tools to answer; reply with the final answer only.<|im_end|>\n");
            for (var turn = random.Next(2, 5); turn > 0; turn--)
            {
                document.Append("<|im_start|>user\n").Append(Prose(random, random.Next(20, 60))).Append("<|im_end|>\n");
                document.Append("<|im_start|>assistant\n").Append(ToolCall(random)).Append("<|im_end|>\n");
                document.Append("<|im_start|>tool\n").Append(ToolResult(random)).Append("<|im_end|>\n");
                if (random.Next(3) == 0) document.Append("<|im_start|>assistant\n```python\n").Append(Code(random)).Append("```<|im_end|>\n");
            }
            document.Append("<|im_start|>assistant\n").Append(Prose(random, random.Next(10, 40))).Append("<|im_end|>");
            var text = document.ToString();
            documents.Add(text);
            bytes += Encoding.UTF8.GetByteCount(text);
        }
        return documents;
    }

    private static readonly string[] Words =
    [
        "the", "order", "was", "shipped", "on", "Monday", "but", "it", "has", "not", "arrived", "yet", "please", "check", "status",
        "refund", "customer", "account", "invoice", "payment", "failed", "because", "card", "expired", "could", "you", "update",
        "address", "warehouse", "delayed", "tracking", "number", "shows", "delivered", "I", "never", "received", "package", "box",
        "damaged", "replacement", "policy", "within", "days", "of", "purchase", "and", "for", "with", "to", "a", "is", "my", "we",
        "naïve", "café", "Größe", "déjà", "vu", "façade", "注文", "配送", "が", "遅れて", "います", "订单", "退款", "🙂", "📦", "✅",
    ];

    private static string Prose(Random random, int words)
    {
        var text = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            var word = Words[random.Next(Words.Length)];
            if (i == 0 || text[^1] == '.') word = char.ToUpperInvariant(word[0]) + word[1..];
            if (i > 0) text.Append(' ');
            text.Append(random.Next(12) == 0 ? $"#{random.Next(10_000, 999_999)}" : word);
            if (random.Next(9) == 0) text.Append(random.Next(3) == 0 ? "," : ".");
        }
        return text.Append('.').ToString();
    }

    private static string ToolCall(Random random)
    {
        var name = random.Next(3) switch { 0 => "lookup_order", 1 => "issue_refund", _ => "search_kb" };
        var reason = Prose(random, 5).TrimEnd('.');
        return $$$"""<tool_call>{"name": "{{{name}}}", "arguments": {"order_id": "A-{{{random.Next(100_000, 999_999)}}}", "amount": {{{random.Next(1, 500)}}}.{{{random.Next(10, 99)}}}, "reason": "{{{reason}}}"}}</tool_call>""";
    }

    private static string ToolResult(Random random)
    {
        var status = random.Next(2) == 0 ? "shipped" : "pending";
        var note = Prose(random, 8).TrimEnd('.');
        return $$$"""{"status": "{{{status}}}", "eta_days": {{{random.Next(1, 14)}}}, "items": [{"sku": "SKU-{{{random.Next(1000, 9999)}}}", "qty": {{{random.Next(1, 5)}}}, "price": {{{random.Next(1, 300)}}}.{{{random.Next(10, 99)}}}}], "note": "{{{note}}}"}""";
    }

    private static string Code(Random random)
    {
        var name = $"total_{random.Next(100)}";
        return $"def {name}(items, tax={random.Next(1, 25)} / 100):\n    \"\"\"Sum the items' prices with tax.\"\"\"\n    subtotal = 0\n" +
               $"    for item in items:\n        if item[\"qty\"] > {random.Next(0, 3)}:\n            subtotal += item[\"price\"] * item[\"qty\"]\n" +
               $"    return round(subtotal * (1 + tax), 2)\n\n\nprint({name}([{{\"price\": {random.Next(1, 99)}.5, \"qty\": {random.Next(1, 4)}}}]))\n";
    }
}
