using System.Text.Json.Nodes;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Tokenization;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Training.Tests.Checkpoints;

[Collection(GlobalRngCollection.Name)]
public sealed class CheckpointTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-ckpt-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void SaveLoad_ResumedTraining_IsBitExact()
    {
        var tokenizer = new ByteTokenizer();
        var config = TinyModels.Config(vocab: tokenizer.VocabSize);

        // 5 straight steps
        using var straight = TinyModels.Create(config, seed: 7);
        var straightOptimizer = NewOptimizer(straight);
        for (var step = 0; step < 5; step++)
            TrainStep(straight, straightOptimizer, step);

        // 3 steps, save, load into fresh objects, 2 more
        using var first = TinyModels.Create(config, seed: 7);
        var firstOptimizer = NewOptimizer(first);
        for (var step = 0; step < 3; step++)
            TrainStep(first, firstOptimizer, step);
        var dir = Path.Combine(root, "step-3");
        Checkpoint.Save(dir, first, tokenizer, new TrainingProgress(3, 3, Seed: 7) { Extra = new JsonObject { ["lr_step"] = 3 } }, firstOptimizer);

        torch.manual_seed(12345); // disturb global state; the checkpoint restores it
        using var loaded = Checkpoint.Load(dir);
        var resumedOptimizer = NewOptimizer(loaded.Model);
        Checkpoint.RestoreOptimizer(dir, resumedOptimizer);
        Checkpoint.RestoreRng(dir);
        Assert.Equal(3, loaded.Info.Step);
        Assert.Equal(3, loaded.Info.PolicyVersion);
        Assert.Equal(3, loaded.Info.Extra!["lr_step"]!.GetValue<int>());
        Assert.Equal(tokenizer.SpecialTokens, loaded.Tokenizer.SpecialTokens);
        for (var step = 3; step < 5; step++)
            TrainStep(loaded.Model, resumedOptimizer, step);

        var expected = straight.state_dict();
        foreach (var (name, value) in loaded.Model.state_dict())
            Assert.True(TensorAssert.Same(value, expected[name]), $"{name} differs after resume");
    }

    [Fact]
    public void RestoreRng_ReproducesRandomDraws()
    {
        using var model = TinyModels.Create(TinyModels.Config(vocab: new ByteTokenizer().VocabSize));
        torch.manual_seed(3);
        var dir = Path.Combine(root, "rng");
        Checkpoint.Save(dir, model, new ByteTokenizer(), new TrainingProgress(0, 0));
        using var a = torch.rand(5);
        Checkpoint.RestoreRng(dir);
        using var b = torch.rand(5);
        Assert.True(TensorAssert.Same(a, b));
    }

    [Fact]
    public void Save_Twice_ReplacesAndLeavesNoTempDirectories()
    {
        var tokenizer = new ByteTokenizer();
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabSize));
        var dir = Path.Combine(root, "latest");
        Checkpoint.Save(dir, model, tokenizer, new TrainingProgress(1, 1));
        Checkpoint.Save(dir, model, tokenizer, new TrainingProgress(2, 2));
        Assert.Equal(2, Checkpoint.ReadInfo(dir).Step);
        Assert.Equal(["latest"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_VocabMismatch_Throws()
    {
        using var model = TinyModels.Create(TinyModels.Config(vocab: 40));
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(Path.Combine(root, "x"), model, new ByteTokenizer(), new TrainingProgress(0, 0)));
    }

    [Fact]
    public void Load_MissingOrCorrupt_ThrowsNamingTheFile()
    {
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(Path.Combine(root, "none")));
        var dir = Directory.CreateDirectory(Path.Combine(root, "bad")).FullName;
        File.WriteAllText(Path.Combine(dir, "checkpoint.json"), """{ "format_version": 99, "config": {}, "tokenizer": {} }""");
        var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir));
        Assert.Contains("checkpoint.json", error.Message);
        Assert.Contains("format_version", error.Message);
    }

    [Fact]
    public void RestoreOptimizer_WhenNotSaved_Throws()
    {
        var tokenizer = new ByteTokenizer();
        using var model = TinyModels.Create(TinyModels.Config(vocab: tokenizer.VocabSize));
        var dir = Path.Combine(root, "no-opt");
        Checkpoint.Save(dir, model, tokenizer, new TrainingProgress(0, 0));
        Assert.Throws<FileNotFoundException>(() => Checkpoint.RestoreOptimizer(dir, NewOptimizer(model)));
    }

    private static AdamW NewOptimizer(CausalTransformer model) => torch.optim.AdamW(model.parameters(), lr: 1e-2, weight_decay: 0.1);

    private static void TrainStep(CausalTransformer model, AdamW optimizer, int step)
    {
        using var scope = torch.NewDisposeScope();
        var data = new torch.Generator((ulong)(100 + step));
        var ids = torch.randint(0, model.Config.VocabSize, [4, 12], dtype: torch.int64, generator: data);
        var logits = model.call(ids.narrow(1, 0, 11));
        var loss = torch.nn.functional.cross_entropy(logits.reshape(-1, model.Config.VocabSize), ids.narrow(1, 1, 11).reshape(-1));
        optimizer.zero_grad();
        loss.backward();
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
    }
}
