using System.Text.Json;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Rl;

public sealed class TrainerOptionsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void FromJson_Null_Defaults()
    {
        var o = TrainerOptions.FromJson(null, "s.json");
        Assert.Equal(AdvantageEstimator.Grpo, o.Advantage);
        Assert.Equal(LossAggregation.TokenMean, o.LossAggregation);
        Assert.Equal(0, o.KlCoefficient);
        Assert.Equal((0.2, 0.28), (o.ClipLow, o.ClipHigh));
        Assert.Equal(RolloutMode.Async, o.Mode);
    }

    [Fact]
    public void FromJson_SnakeCaseValues_Read()
    {
        var o = TrainerOptions.FromJson(Json("""
            { "advantage": "rloo", "scale_rewards_by_std": false, "loss_aggregation": "seq_mean_token_sum_norm", "mode": "sync",
              "truncated": "keep", "model": { "d_model": 32, "layers": 1, "heads": 2 }, "curriculum": [ { "task_pattern": "-L1$", "advance_at": 0.9 } ],
              "lr_schedule": "cosine", "min_lr_ratio": 0.25, "entropy_coefficient": 0.005 }
            """), "s.json");
        Assert.Equal(AdvantageEstimator.Rloo, o.Advantage);
        Assert.False(o.ScaleRewardsByStd);
        Assert.Equal(LossAggregation.SeqMeanTokenSumNorm, o.LossAggregation);
        Assert.Equal(RolloutMode.Sync, o.Mode);
        Assert.Equal(TruncatedEpisodes.Keep, o.Truncated);
        Assert.Equal(32, o.Model.DModel);
        Assert.Equal(0.9, o.Curriculum[0].AdvanceAt);
        Assert.Equal(LearningRateDecay.Cosine, o.LrSchedule);
        Assert.Equal(0.25, o.MinLrRatio);
        Assert.Equal(0.005, o.EntropyCoefficient);
    }

    [Fact]
    public void FromJson_WarmStartMaxGradNorm_OwnValueAndRange()
    {
        var o = TrainerOptions.FromJson(Json("""{ "max_grad_norm": 0.2, "warm_start": { "max_grad_norm": 2.5 } }"""), "s.json");
        Assert.Equal(0.2, o.MaxGradNorm);
        Assert.Equal(2.5, o.WarmStart!.MaxGradNorm);
        Assert.Equal(1.0, TrainerOptions.FromJson(Json("""{ "max_grad_norm": 0.2, "warm_start": { } }"""), "s.json").WarmStart!.MaxGradNorm);
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "warm_start": { "max_grad_norm": 0 } }"""), "s.json"));
        Assert.Contains("$.trainer.warm_start.max_grad_norm", e.Message);
    }

    [Fact]
    public void FromJson_UnknownProperty_NamesFileAndPath()
    {
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "warm_start": { "epochz": 3 } }"""), "s.json"));
        Assert.StartsWith("s.json: $.trainer.warm_start", e.Message);
        Assert.Contains("epochz", e.Message);
    }

    [Fact]
    public void FromJson_BadValues_AllReportedTogether()
    {
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""
            { "temperature": 0, "clip_low": 1.5, "updates": -1, "curriculum": [ { "task_pattern": "(" } ], "min_lr_ratio": 2, "entropy_coefficient": -1 }
            """), "s.json"));
        Assert.Contains("$.trainer.min_lr_ratio", e.Message);
        Assert.Contains("$.trainer.entropy_coefficient", e.Message);
        Assert.Contains("$.trainer.temperature", e.Message);
        Assert.Contains("$.trainer.clip_low", e.Message);
        Assert.Contains("$.trainer.updates", e.Message);
        Assert.Contains("$.trainer.curriculum[0].task_pattern", e.Message);
    }

    [Fact]
    public void FromJson_WrongEnumValue_NamesPath()
    {
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "advantage": "ppo" }"""), "s.json"));
        Assert.StartsWith("s.json: $.trainer.advantage", e.Message);
    }

    [Fact]
    public void FromJson_ModelFrom_RelativeToTheScenarioFolderAndNoShape()
    {
        var scenario = Path.Combine(Path.GetTempPath(), $"forge-options-{Guid.NewGuid():N}.json");
        File.WriteAllText(scenario, "{}");
        try
        {
            var o = TrainerOptions.FromJson(Json("""{ "model": { "from": "models/qwen3" }, "updates": 3 }"""), scenario);

            Assert.Equal(Path.Combine(Path.GetTempPath(), "models", "qwen3"), o.ModelFrom);
            Assert.Equal(3, o.Updates);
        }
        finally
        {
            File.Delete(scenario);
        }
    }

    [Theory]
    [InlineData("""{ "model": { "from": "m", "layers": 2, "heads": 4 } }""", "s.json: $.trainer.model: 'from' loads the shape from the folder's config.json; remove layers, heads")]
    [InlineData("""{ "model": { "from": 3 } }""", "s.json: $.trainer.model.from: expected the path of a Hugging Face model folder")]
    [InlineData("""{ "model": { "from": "m" }, "tokenizer": "gpt2" }""", "s.json: $.trainer.tokenizer: a model loaded with model.from uses its folder's own tokenizer")]
    public void FromJson_ModelFromMisused_NamesThePath(string json, string expected)
    {
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json(json), "s.json"));

        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void FromJson_OutOfRange_TheDeclaredRangesNameFileAndPath()
    {
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""
            { "temperature": 0, "clip_low": 1, "top_p": 1.5, "groups_per_update": 0, "learning_rate": -0.1,
              "warm_start": { "epochs": 0 }, "curriculum": [ { "advance_at": 0, "window": 0 } ], "lora": { "rank": 0 } }
            """), "s.json"));

        foreach (var line in new[]
        {
            "s.json: $.trainer.temperature: must be greater than 0 (got 0)",
            "s.json: $.trainer.clip_low: must be at least 0 and less than 1 (got 1)",
            "s.json: $.trainer.top_p: must be greater than 0 and at most 1 (got 1.5)",
            "s.json: $.trainer.groups_per_update: must be at least 1 (got 0)",
            "s.json: $.trainer.learning_rate: must be greater than 0 (got -0.1)",
            "s.json: $.trainer.warm_start.epochs: must be at least 1 (got 0)",
            "s.json: $.trainer.curriculum[0].advance_at: must be greater than 0 and at most 1 (got 0)",
            "s.json: $.trainer.curriculum[0].window: must be at least 1 (got 0)",
            "s.json: $.trainer.lora.rank: must be at least 1 (got 0)",
        })
            Assert.Contains(line, e.Message.Split('\n').Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public void Validate_AfterACommandLineOverride_ChecksTheSameDeclaredRanges()
    {
        var options = TrainerOptions.FromJson(Json("""{ "updates": 3, "warm_start": { "episodes": 8 } }"""), "s.json");
        options.Updates = -1;
        options.WarmStart!.BatchTokens = 0;
        options.Curriculum.Add(new CurriculumStage { TaskPattern = "(" });

        var problems = options.Validate();

        Assert.Contains("$.trainer.updates: must be at least 0 (got -1)", problems);
        Assert.Contains("$.trainer.warm_start.batch_tokens: must be at least 1 (got 0)", problems);
        Assert.Contains(problems, p => p.StartsWith("$.trainer.curriculum[0].task_pattern: not a regular expression: ", StringComparison.Ordinal));
        Assert.Equal(3, problems.Count);
    }

    [Theory]
    [InlineData(typeof(TrainerOptions))]
    [InlineData(typeof(WarmStartOptions))]
    [InlineData(typeof(CurriculumStage))]
    [InlineData(typeof(GradedAfterOptions))]
    [InlineData(typeof(DynamicSamplingOptions))]
    [InlineData(typeof(Forge.Training.Lora.LoraOptions))]
    public void Ranges_DeclaredOnEveryNumberASectionReads(Type section)
    {
        // Numbers whose every value is meaningful (a seed, a filter threshold) are the only ones without a declared range.
        string[] unbounded = [nameof(TrainerOptions.Seed), nameof(WarmStartOptions.MinReward)];
        var numbers = Forge.Core.Configuration.ConfigNames.Settable(section)
            .Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is var t && (t == typeof(int) || t == typeof(double)))
            .Where(p => !unbounded.Contains(p.Name));

        Assert.All(numbers, p => Assert.True(p.IsDefined(typeof(System.ComponentModel.DataAnnotations.RangeAttribute), inherit: true), $"{section.Name}.{p.Name} declares no [Range]"));
    }
}
