using System.Text.Json;
using Forge.Core;
using Forge.Training.Rl;

namespace Forge.Training.Tests.Rl;

public sealed class RewardRecipeOptionsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void FromJson_ScheduleAndDynamicSampling_Read()
    {
        var o = TrainerOptions.FromJson(Json("""
            { "reward_schedule": { "start": "binary", "graded_after": { "success_rate": 0.6, "window": 3 } }, "dynamic_sampling": { "max_refills": 5 } }
            """), "s.json");
        Assert.Equal(RewardMode.Binary, o.RewardSchedule!.Start);
        Assert.Equal((0.6, 3), (o.RewardSchedule.GradedAfter!.SuccessRate, o.RewardSchedule.GradedAfter.Window));
        Assert.Equal(5, o.DynamicSampling!.MaxRefills);
        Assert.Null(TrainerOptions.FromJson(null, "s.json").RewardSchedule);
        Assert.Null(TrainerOptions.FromJson(null, "s.json").DynamicSampling);
    }

    [Fact]
    public void FromJson_BadRecipeValues_AllReportedTogether()
    {
        var e = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""
            { "reward_schedule": { "start": "graded", "graded_after": { "success_rate": 1.5, "window": 0 } }, "dynamic_sampling": { "max_refills": 0 } }
            """), "s.json"));
        Assert.Contains("s.json: $.trainer.reward_schedule.graded_after: the schedule already starts graded", e.Message);
        Assert.Contains("$.trainer.reward_schedule.graded_after.success_rate: must be greater than 0 and at most 1 (got 1.5)", e.Message);
        Assert.Contains("$.trainer.reward_schedule.graded_after.window: must be at least 1 (got 0)", e.Message);
        Assert.Contains("$.trainer.dynamic_sampling.max_refills: must be at least 1 (got 0)", e.Message);
    }

    [Fact]
    public void FromJson_UnknownModeOrField_NamesPath()
    {
        var mode = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "reward_schedule": { "start": "shaped" } }"""), "s.json"));
        Assert.StartsWith("s.json: $.trainer.reward_schedule.start", mode.Message);
        var field = Assert.ThrowsAny<FormatException>(() => TrainerOptions.FromJson(Json("""{ "dynamic_sampling": { "max_refill": 3 } }"""), "s.json"));
        Assert.StartsWith("s.json: $.trainer.dynamic_sampling", field.Message);
        Assert.Contains("max_refill", field.Message);
    }
}
