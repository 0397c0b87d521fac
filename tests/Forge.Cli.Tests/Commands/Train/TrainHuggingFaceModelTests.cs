using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Cli.Tests.Commands.Model;
using Forge.Training.Tests.Models.HuggingFace;

namespace Forge.Cli.Tests.Commands.Train;

/// <summary>
/// <c>forge train</c> with <c>trainer.model.from</c>: a small random Qwen3-architecture model written here in Hugging Face
/// layout, with the real Qwen3 tokenizer and chat template (tests/TestData/node, installed by scripts/test), trains LoRA
/// adapters with GRPO updates on game/vault on the CPU; its checkpoint resumes, evaluates, and exports to a Hugging Face
/// folder whose logits equal the checkpoint's.
/// </summary>
public sealed class TrainHuggingFaceModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-train-hf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Stdout, string Stderr)> Forge(params string[] args) => ForgeProcess.RunAsync(_dir, args);

    private const int Hidden = 64, ImEnd = 151645;
    private const float ImEndScale = 2.5f;

    // Qwen3's published config fields at a tiny size: hidden 64, 2 layers, 4 heads over 2 KV heads of 32, q/k norm, tied
    // embeddings, and Qwen's vocabulary of 151,936 rows (the tokenizer has 151,669 tokens).
    private string Qwen3Folder()
    {
        var tokenizer = TokenizeCommandTests.RealModel("qwen3");
        var config = HfFolders.Config("qwen3");
        config["hidden_size"] = Hidden;
        config["head_dim"] = 32;
        config["intermediate_size"] = 96;
        config["max_position_embeddings"] = 2048;
        config["tie_word_embeddings"] = true;
        config["vocab_size"] = 151936;
        config["bos_token_id"] = 151643;
        config["eos_token_id"] = 151645;
        config["torch_dtype"] = "float32";   // as written, so `forge model logits` computes in fp32 as training does
        var weights = HfFolders.Weights(config, seed: 3);
        // A random model almost never samples <|im_end|> (one id of 151,936), so every reply would be cut off, every
        // episode would score the same and GRPO would skip every group. Scaling up <|im_end|>'s row of the tied embedding
        // makes its logit (hidden state · row) large, positive after some contexts and negative after others: some sampled
        // replies end their turn (well formed, which the vault rubric's format check credits) and some are cut off. At
        // 2.5× both GRPO groups of this seeded run have reward variance (at 6× every reply ends at once, at 2× none does).
        var embedding = weights["model.embed_tokens.weight"].Values;
        for (var i = ImEnd * Hidden; i < (ImEnd + 1) * Hidden; i++) embedding[i] *= ImEndScale;
        var folder = HfFolders.Write(Path.Combine(_dir, "qwen3"), config, weights);
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(tokenizer, name), Path.Combine(folder, name));
        return folder;
    }

    // Graded rewards, groups of 4 and replies of up to 8 tokens: the format check's partial credit tells a reply that
    // ends its turn from one cut off, so groups carry signal. No warm start: only GRPO updates train the adapters. One
    // episode at a time keeps the seeded run repeatable (concurrent episodes share generation batches whose make-up, and
    // so the order of random draws, depends on timing).
    private string Scenario(string model, int updates = 2)
    {
        var path = Path.Combine(_dir, $"vault-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""
            {
              "name": "vault-qwen3", "seed": 1,
              "environments": [ { "id": "game/vault", "tasks": 8 } ],
              "agent": { "type": "policy" }, "group_size": 4, "concurrency": 1, "reward_mode": "graded",
              "limits": { "max_turns": 2 },
              "trainer": { {{model}}, "lora": { "rank": 4, "alpha": 8 },
                           "updates": {{updates}}, "groups_per_update": 1, "max_new_tokens": 8, "mode": "sync",
                           "learning_rate": 0.01, "entropy_coefficient": 0.01, "micro_batch_tokens": 512,
                           "eval_episodes": 0, "checkpoint_every": 0 }
            }
            """);
        return path;
    }

    private async Task<string> Logits(string folder)
    {
        var (code, stdout, stderr) = await Forge("model", "logits", folder, "--ids", "151644,872,198,9707,151645", "--json");
        Assert.True(code == 0, stderr);
        return stdout;
    }

    [SkippableFact]
    public async Task Train_Qwen3FolderWithLora_TrainsResumesEvaluatesAndExportsWithIdenticalLogits()
    {
        var model = Qwen3Folder();
        var output = Path.Combine(_dir, "out");

        // Relative to the scenario file's folder.
        var train = await Forge("train", Scenario("\"model\": { \"from\": \"qwen3\" }"), "--out", output, "--device", "cpu");

        Assert.True(train.ExitCode == 0, train.Stderr + train.Stdout);
        // GRPO updates ran: at least one group had reward variance, was not skipped, and advanced the policy version.
        var metrics = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        var header = metrics[0].Split(',');
        var rl = metrics.Where(l => l.StartsWith("rl,", StringComparison.Ordinal)).Select(l => l.Split(',')).ToList();
        string Column(string[] row, string name) => row[Array.IndexOf(header, name)];
        var table = string.Join('\n', metrics);
        Assert.Equal(2, rl.Count);
        var updated = rl.Count(r => Column(r, "skipped_groups") == "0");
        Assert.True(updated >= 1, $"every GRPO group was skipped:\n{table}");
        Assert.All(rl.Where(r => Column(r, "skipped_groups") == "0"), r => Assert.True(double.Parse(Column(r, "reward_std"), CultureInfo.InvariantCulture) > 0, table));
        Assert.Equal(updated.ToString(CultureInfo.InvariantCulture), Column(rl[^1], "policy_version"));
        Assert.Contains($"{updated} policy updates in 2 steps", train.Stdout + train.Stderr);
        var final = Path.Combine(output, "checkpoints", "final");
        foreach (var file in new[] { "adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "tokenizer_config.json", "model.safetensors" })
            Assert.True(File.Exists(Path.Combine(final, file)), $"{file} is missing from the checkpoint");
        Assert.Contains("chat_template", File.ReadAllText(Path.Combine(final, "tokenizer_config.json")));
        Assert.Equal(Path.GetFullPath(model), (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(final, "adapter_config.json")))!["base_model_name_or_path"]);
        Assert.Equal(updated, (int)JsonNode.Parse(File.ReadAllText(Path.Combine(final, "checkpoint.json")))!["policy_version"]!);

        // The checkpoint (adapters merged) and its Hugging Face export give the same logits, and the GRPO updates (the only
        // training in this run) changed them from the base's.
        var exported = Path.Combine(_dir, "exported");
        var export = await Forge("export", final, "--hf", exported);
        Assert.True(export.ExitCode == 0, export.Stderr);
        Assert.Equal("Qwen3ForCausalLM", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(exported, "config.json")))!["architectures"]![0]);
        Assert.True(File.Exists(Path.Combine(exported, "tokenizer.json")));
        var checkpointLogits = await Logits(final);
        Assert.Equal(checkpointLogits, await Logits(exported));
        Assert.NotEqual(await Logits(model), checkpointLogits);

        // Resume for one more update and evaluate the checkpoint with the model's own chat template.
        var resumed = await Forge("train", Scenario("\"model\": { \"from\": \"qwen3\" }", updates: 1), "--out", Path.Combine(_dir, "resumed"), "--resume", final, "--device", "cpu");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr + resumed.Stdout);
        Assert.Single(File.ReadAllLines(Path.Combine(_dir, "resumed", "metrics.csv")), l => l.StartsWith("rl,", StringComparison.Ordinal));
        var eval = await Forge("eval", Scenario("\"model\": { \"d_model\": 32, \"layers\": 1, \"heads\": 2 }"), "--checkpoint", final, "--episodes", "2",
            "--out", Path.Combine(_dir, "eval"), "--device", "cpu");
        Assert.True(eval.ExitCode == 0, eval.Stderr + eval.Stdout);
        Assert.True(File.Exists(Path.Combine(_dir, "eval", "metrics.csv")));
    }

    [Fact]
    public async Task Train_FromWithShapeFields_Exit2NamingTrainerModel()
    {
        var (code, _, stderr) = await Forge("train", Scenario("\"model\": { \"from\": \"qwen3\", \"d_model\": 64 }"));

        Assert.Equal(2, code);
        Assert.Contains("$.trainer.model: 'from' loads the shape from the folder's config.json; remove d_model", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Train_ModelFolderMissing_Exit2OneLine()
    {
        var (code, _, stderr) = await Forge("train", Scenario("\"model\": { \"d_model\": 32, \"layers\": 1, \"heads\": 2 }"), "--model", Path.Combine(_dir, "nowhere"));

        Assert.Equal(2, code);
        Assert.Contains("nowhere: model folder not found", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
