using System.ComponentModel.DataAnnotations;
using Forge.Core;

namespace Forge.Training.Rl;

/// <summary>
/// <c>reward_schedule</c>: train each environment on binary success rewards first and switch it to graded rewards (the
/// rubric's weighted sum, shaping included) once its success rate holds, as reinforcement fine-tuning practice advises.
/// While a schedule is set it decides the training reward mode of every environment; evaluation keeps the scenario's.
/// </summary>
public sealed class RewardScheduleOptions : IValidatableObject
{
    /// <summary>The mode every environment starts in. Default <c>binary</c>.</summary>
    public RewardMode Start { get; set; } = RewardMode.Binary;

    /// <summary>When an environment switches to <c>graded</c>; null (default) never switches.</summary>
    public GradedAfterOptions? GradedAfter { get; set; }

    /// <inheritdoc />
    IEnumerable<ValidationResult> IValidatableObject.Validate(ValidationContext validationContext)
    {
        if (GradedAfter is not null && Start == RewardMode.Graded)
            yield return new ValidationResult("the schedule already starts graded; set \"start\": \"binary\" or drop graded_after", [nameof(GradedAfter)]);
    }
}

/// <summary>The switch of a <see cref="RewardScheduleOptions"/> from binary to graded rewards.</summary>
public sealed class GradedAfterOptions
{
    /// <summary>Switch once the environment's success rate over the last <see cref="Window"/> updates reaches this. Default 0.5.</summary>
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double SuccessRate { get; set; } = 0.5;

    /// <summary>
    /// Updates the success rate is pooled over: the environment's scored episodes of its last <c>window</c> updates that had
    /// any (updates, not episodes, so that the rate holds across policy versions rather than within one batch). Default 5.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int Window { get; set; } = 5;
}

/// <summary>
/// <c>dynamic_sampling</c> (DAPO): a group whose rewards are all equal carries no learning signal; instead of training on a
/// short batch, it is dropped and a new group is rolled out in its place, at most <see cref="MaxRefills"/> times per update.
/// </summary>
public sealed class DynamicSamplingOptions
{
    /// <summary>Most groups replaced per update; once spent, the update keeps (and skips) the groups it has. Default 16.</summary>
    [Range(1, int.MaxValue)]
    public int MaxRefills { get; set; } = 16;
}
