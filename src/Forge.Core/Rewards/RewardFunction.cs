namespace Forge.Core;

/// <summary>
/// One weighted criterion of a <see cref="Rubric"/>. <see cref="Score"/> returns a value in
/// [<see cref="MinScore"/>, <see cref="MaxScore"/>] (by default [0, 1]); the rubric multiplies it by <see cref="Weight"/>.
/// </summary>
public abstract class RewardFunction(string name, double weight)
{
    /// <summary>The name under which the score is recorded in the trajectory's breakdown.</summary>
    public string Name { get; } = name;

    /// <summary>The weight of this criterion in the rubric's total.</summary>
    public double Weight { get; } = weight;

    /// <summary>Lowest score this function returns.</summary>
    public virtual double MinScore => 0;

    /// <summary>Highest score this function returns.</summary>
    public virtual double MaxScore => 1;

    /// <summary>Scores a finished episode.</summary>
    public abstract ValueTask<double> Score(RewardContext context);

    /// <summary>A reward function from a delegate.</summary>
    public static RewardFunction From(string name, double weight, Func<RewardContext, double> score) => new DelegateReward(name, weight, c => ValueTask.FromResult(score(c)));

    /// <summary>A reward function from an asynchronous delegate (for checks that run code in a sandbox).</summary>
    public static RewardFunction FromAsync(string name, double weight, Func<RewardContext, ValueTask<double>> score) => new DelegateReward(name, weight, score);

    private sealed class DelegateReward(string name, double weight, Func<RewardContext, ValueTask<double>> score) : RewardFunction(name, weight)
    {
        public override ValueTask<double> Score(RewardContext context) => score(context);
    }
}

/// <summary>A reward function that reads the task typed (<c>c.Task.Answer</c>); see <see cref="Rubric{TTask}"/>.</summary>
public abstract class RewardFunction<TTask>(string name, double weight) : RewardFunction(name, weight) where TTask : IEnvironmentTask
{
    /// <inheritdoc />
    public sealed override ValueTask<double> Score(RewardContext context) => Score(RewardContext<TTask>.Of(context));

    /// <summary>Scores a finished episode of a <typeparamref name="TTask"/>.</summary>
    public abstract ValueTask<double> Score(RewardContext<TTask> context);

    /// <summary>A typed reward function from a delegate.</summary>
    public static RewardFunction<TTask> From(string name, double weight, Func<RewardContext<TTask>, double> score) =>
        new DelegateReward(name, weight, c => ValueTask.FromResult(score(c)));

    /// <summary>A typed reward function from an asynchronous delegate.</summary>
    public static RewardFunction<TTask> FromAsync(string name, double weight, Func<RewardContext<TTask>, ValueTask<double>> score) =>
        new DelegateReward(name, weight, score);

    private sealed class DelegateReward(string name, double weight, Func<RewardContext<TTask>, ValueTask<double>> score) : RewardFunction<TTask>(name, weight)
    {
        public override ValueTask<double> Score(RewardContext<TTask> context) => score(context);
    }
}
