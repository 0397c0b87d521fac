using System.Buffers.Binary;
using Forge.Reference.Tests.HuggingFace;
using Forge.Training.Tests.Models.HuggingFace;

namespace Forge.Cli.Tests.Commands.Model;

public sealed class ExportGgufTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-gguf-cli-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private Task<(int ExitCode, string Stdout, string Stderr)> Forge(params string[] args) => ForgeProcess.RunAsync(root, args);

    // A sharded BF16 folder of the architecture with a 64-token tokenizer.json.
    private string Folder(string architecture, bool tokenizer = true, string? missing = null)
    {
        var config = HfFolders.Config(architecture);
        var weights = HfFolders.Weights(config);
        if (missing is not null)
            weights.Remove(missing);
        var dir = HfFolders.Write(Path.Combine(root, $"{architecture}-{Guid.NewGuid():N}"), config, weights, "BF16", shards: 2);
        if (tokenizer)
            CharTokenizer.Write(dir, size: 64);
        return dir;
    }

    [Fact]
    public async Task Gguf_HuggingFaceFolder_WritesOneGgufFileAndNothingElse()
    {
        var dir = Folder("qwen3");
        var output = Path.Combine(root, "out");
        Directory.CreateDirectory(output);
        var gguf = Path.Combine(output, "qwen3.gguf");

        var (code, _, stderr) = await Forge("export", dir, "--gguf", gguf, "--dtype", "f16");

        Assert.True(code == 0, stderr);
        // token_embd, output_norm, output + 2 layers × (attn_norm, q, k, v, output, q_norm, k_norm, ffn_norm, gate, up, down)
        Assert.Contains($"exported qwen3 (F16, {3 + 2 * 11} tensors) to {gguf}", stderr);
        Assert.Equal([gguf], Directory.GetFiles(output));
        var head = File.ReadAllBytes(gguf).AsSpan(0, 8);
        Assert.Equal("GGUF"u8.ToArray(), head[..4].ToArray());
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(head[4..]));
    }

    [Fact]
    public async Task Gguf_BadInput_ExitsTwoWithOneLine()
    {
        var dir = Folder("llama");
        var dtype = await Forge("export", dir, "--gguf", Path.Combine(root, "a.gguf"), "--dtype", "q4_0");
        Assert.Equal(2, dtype.ExitCode);
        Assert.Contains("--dtype: 'q4_0' is not f32, f16 or bf16", dtype.Stderr);

        var both = await Forge("export", dir, "--gguf", Path.Combine(root, "b.gguf"), "--hf", Path.Combine(root, "b"));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("leave out --jsonl, --hf and --out", both.Stderr);

        var noTokenizer = await Forge("export", Folder("mistral", tokenizer: false), "--gguf", Path.Combine(root, "c.gguf"));
        Assert.Equal(2, noTokenizer.ExitCode);
        Assert.Single(noTokenizer.Stderr.Trim().Split('\n'));
        Assert.Contains("tokenizer.json: not found", noTokenizer.Stderr);
        Assert.False(File.Exists(Path.Combine(root, "c.gguf")));

        var broken = Folder("qwen2", missing: "model.layers.1.self_attn.k_proj.bias");
        var missing = await Forge("export", broken, "--gguf", Path.Combine(root, "d.gguf"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Stderr.Trim().Split('\n'));
        Assert.Contains("'model.layers.1.self_attn.k_proj.bias' is missing", missing.Stderr);
        Assert.False(File.Exists(Path.Combine(root, "d.gguf")));
    }
}
