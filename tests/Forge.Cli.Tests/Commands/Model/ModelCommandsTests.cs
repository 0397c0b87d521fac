using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Training.Tests.Models.HuggingFace;

namespace Forge.Cli.Tests.Commands.Model;

public sealed class ModelCommandsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-model-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Folder(string architecture, string dtype = "F32", Action<SortedDictionary<string, HfFolders.Weight>>? edit = null)
    {
        var config = HfFolders.Config(architecture);
        var weights = HfFolders.Weights(config);
        edit?.Invoke(weights);
        return HfFolders.Write(Path.Combine(root, $"{architecture}-{Guid.NewGuid():N}"), config, weights, dtype, shards: 2);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Forge(params string[] args) => ForgeProcess.RunAsync(root, args);

    [Fact]
    public async Task Inspect_Json_DescribesTheFolder()
    {
        var dir = Folder("qwen3", "BF16");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}"}""");
        var (code, stdout, stderr) = await Forge("model", "inspect", dir, "--json");

        Assert.True(code == 0, stderr);
        var r = JsonNode.Parse(stdout)!;
        Assert.Equal("Qwen3ForCausalLM", (string?)r["architecture"]);
        Assert.True((bool)r["loadable"]!);
        // 64·32 embedding + 64·32 head + 2 layers × (attention 32·64 + 2·32·32 + 64·32, q/k norm 2·16, MLP 3·32·40, norms 2·32) + 32
        Assert.Equal(64 * 32 * 2 + 2 * (2048 + 2048 + 2048 + 32 + 3840 + 64) + 32, (long)r["parameters"]!);
        Assert.Equal((long)r["parameters"]!, (long)r["stored_elements"]!);
        Assert.Equal(2 * 11 + 3, (int)r["stored_dtypes"]!["BF16"]!);
        Assert.Equal(160, (int)r["context_length"]!);
        Assert.Equal((2, 16), ((int)r["kv_heads"]!, (int)r["head_dim"]!));
        Assert.Equal(2, r["weight_files"]!.AsArray().Count);
        Assert.True((bool)r["chat_template"]!);
        Assert.Contains(r["honoured"]!.AsArray(), n => (string?)n!["field"] == "$.rope_theta");
        Assert.Contains(r["ignored"]!.AsArray(), n => (string?)n!["field"] == "$.use_cache" && (string?)n["verdict"] == "Ignored");
    }

    [Fact]
    public async Task Inspect_RefusedConfig_SaysWhatIsNotHonoured()
    {
        var dir = Folder("qwen2");
        var path = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!;
        config["rope_scaling"] = new JsonObject { ["type"] = "yarn", ["factor"] = 4.0 };
        File.WriteAllText(path, config.ToJsonString());

        var (code, stdout, stderr) = await Forge("model", "inspect", dir);

        Assert.True(code == 0, stderr);
        Assert.Contains("refused:", stdout);
        Assert.Contains("$.rope_scaling.type: 'yarn' is not implemented", stdout);
        Assert.Contains("loadable: no", stdout);
    }

    [Fact]
    public async Task Logits_Json_OneRowPerPositionAndExportReloadsIdentically()
    {
        var dir = Folder("llama", "BF16");
        var (code, stdout, stderr) = await Forge("model", "logits", dir, "--ids", "1,2,3,4", "--json");
        Assert.True(code == 0, stderr);
        var logits = JsonSerializer.Deserialize<JsonElement>(stdout).GetProperty("logits");
        Assert.Equal(4, logits.GetArrayLength());
        Assert.All(logits.EnumerateArray(), row => Assert.Equal(64, row.GetArrayLength()));
        Assert.All(logits.EnumerateArray().SelectMany(row => row.EnumerateArray()), v => Assert.True(float.IsFinite(v.GetSingle())));

        var exported = Path.Combine(root, "exported");
        var export = await Forge("export", dir, "--hf", exported);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Contains("exported LlamaForCausalLM (bfloat16)", export.Stderr);
        var again = await Forge("model", "logits", exported, "--ids", "1,2,3,4", "--json");
        Assert.Equal(stdout, again.Stdout);

        var text = await Forge("model", "logits", exported, "--ids", "1,2", "--top", "3");
        Assert.Equal(0, text.ExitCode);
        Assert.Matches(@"pos\s+1\s+id\s+2\s+top: \d+=-?[\d.]+  \d+=-?[\d.]+  \d+=-?[\d.]+", text.Stdout);
    }

    [Fact]
    public async Task Logits_BrokenFolder_ExitsTwoWithOneLineNamingFileAndTensor()
    {
        var dir = Folder("qwen2", edit: w => w.Remove("model.layers.1.self_attn.k_proj.bias"));
        var (code, _, stderr) = await Forge("model", "logits", dir, "--ids", "1");
        Assert.Equal(2, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains(dir, stderr);
        Assert.Contains("'model.layers.1.self_attn.k_proj.bias' is missing", stderr);
    }

    [Fact]
    public async Task Logits_IdOutsideTheVocabulary_ExitsTwoNamingIds()
    {
        var (code, _, stderr) = await Forge("model", "logits", Folder("mistral"), "--ids", "1,64");
        Assert.Equal(2, code);
        Assert.Contains("--ids: id 64 at position 1 is outside the vocabulary [0, 64)", stderr);
    }

    [Fact]
    public async Task Export_WrongCombinations_ExitTwoSayingWhy()
    {
        var dir = Folder("qwen3");
        var both = await Forge("export", dir, "--hf", Path.Combine(root, "x"), "--jsonl");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("Choose one format", both.Stderr);
        var file = Path.Combine(dir, "config.json");
        var fromFile = await Forge("export", file, "--hf", Path.Combine(root, "y"));
        Assert.Equal(2, fromFile.ExitCode);
        Assert.Contains("--hf exports a model folder", fromFile.Stderr);
        var folderAsLog = await Forge("export", dir, "--jsonl");
        Assert.Equal(2, folderAsLog.ExitCode);
        Assert.Contains("is a folder", folderAsLog.Stderr);
    }
}
