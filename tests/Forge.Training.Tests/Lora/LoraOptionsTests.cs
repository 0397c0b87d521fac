using System.Text.Json;
using Forge.Training.Lora;
using Forge.Training.Precision;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Lora;

public sealed class LoraOptionsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void FromJson_LoraSection_Read()
    {
        var o = TrainerOptions.FromJson(Json("""
            { "lora": { "rank": 8, "alpha": 16, "dropout": 0.05, "targets": ["q_proj", "v_proj"] }, "precision": "bf16" }
            """), "s.json");
        Assert.Equal((8, 16.0, 0.05), (o.Lora!.Rank, o.Lora.Alpha, o.Lora.Dropout));
        Assert.Equal(["q_proj", "v_proj"], o.Lora.Targets);
        Assert.Equal(2.0, o.Lora.Scale);
        Assert.Equal(TrainingPrecision.Bf16, o.Precision);
        Assert.False(o.ActivationCheckpointing);
        Assert.True(TrainerOptions.FromJson(Json("""{ "lora": { "dropout": 0 }, "activation_checkpointing": true }"""), "s.json").ActivationCheckpointing);
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "lora": { "dropout": 0.05 }, "activation_checkpointing": true }"""), "s.json"));
        Assert.Contains("s.json: $.trainer.activation_checkpointing: recomputing a block replays no dropout", e.Message);
    }

    [Fact]
    public void FromJson_EmptyLora_PeftDefaultsOnAllSevenProjections()
    {
        var o = TrainerOptions.FromJson(Json("""{ "lora": {} }"""), "s.json");
        Assert.Equal((16, 32.0, 0.0), (o.Lora!.Rank, o.Lora.Alpha, o.Lora.Dropout));
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], o.Lora.Targets);
        Assert.Equal(TrainingPrecision.Fp32, TrainerOptions.FromJson(null, "s.json").Precision);
        Assert.Null(TrainerOptions.FromJson(null, "s.json").Lora);
    }

    [Fact]
    public void FromJson_BadLora_EveryProblemByJsonPath()
    {
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""
            { "lora": { "rank": 0, "alpha": -1, "dropout": 1, "targets": ["q_proj", "qproj", "lm_head", "q_proj"] } }
            """), "s.json"));
        Assert.Contains("s.json: $.trainer.lora.rank: must be at least 1 (got 0)", e.Message);
        Assert.Contains("s.json: $.trainer.lora.alpha: must be greater than 0 (got -1)", e.Message);
        Assert.Contains("s.json: $.trainer.lora.dropout: must be at least 0 and less than 1 (got 1)", e.Message);
        Assert.Contains("s.json: $.trainer.lora.targets[1]: unknown projection 'qproj'. Did you mean 'q_proj'?", e.Message);
        Assert.Contains("s.json: $.trainer.lora.targets[2]: unknown projection 'lm_head'. Known: q_proj, k_proj", e.Message);
        Assert.Contains("s.json: $.trainer.lora.targets[3]: 'q_proj' is listed twice", e.Message);
    }

    [Fact]
    public void FromJson_UnknownLoraFieldOrPrecision_ErrorByPath()
    {
        var field = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "lora": { "rnak": 8 } }"""), "s.json"));
        Assert.Contains("s.json: $.trainer.lora.rnak", field.Message);
        var precision = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "precision": "fp16" }"""), "s.json"));
        Assert.Contains("s.json: $.trainer.precision", precision.Message);
    }
}
