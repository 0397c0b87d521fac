namespace Forge.Core;

/// <summary>
/// A weighted set of reward functions. The first function added is the primary outcome: the episode counts as
/// solved when it scores its maximum. In <see cref="RewardMode.Graded"/> mode the reward is the weighted sum of all scores;
/// in <see cref="RewardMode.Binary"/> mode it is 1 when solved and 0 otherwise.
/// </summary>
public class Rubric
{
    private readonly List<RewardFunction> _functions = [];

    /// <summary>The functions, in the order they were added.</summary>
    public IReadOnlyList<RewardFunction> Functions => _functions;

    /// <summary>Adds a function; names must be unique.</summary>
    public Rubric Add(RewardFunction function) => Append(function);

    /// <summary>Adds <paramref name="function"/> to the list (what every <c>Add</c> does).</summary>
    protected Rubric Append(RewardFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (_functions.Any(f => f.Name == function.Name))
            throw new ArgumentException($"The rubric already has a reward function named '{function.Name}'.", nameof(function));
        if (!double.IsFinite(function.Weight))
            throw new ArgumentException($"Reward function '{function.Name}' has a weight that is not a finite number.", nameof(function));
        _functions.Add(function);
        return this;
    }

    /// <summary>Adds a function made from a delegate.</summary>
    public Rubric Add(string name, double weight, Func<RewardContext, double> score) => Add(RewardFunction.From(name, weight, score));

    /// <summary>The lowest and highest reward this rubric can give in <paramref name="mode"/>.</summary>
    public (double Min, double Max) Range(RewardMode mode = RewardMode.Graded)
    {
        if (mode == RewardMode.Binary || _functions.Count == 0) return (0, _functions.Count == 0 ? 0 : 1);
        double min = 0, max = 0;
        foreach (var f in _functions)
        {
            min += Math.Min(f.Weight * f.MinScore, f.Weight * f.MaxScore);
            max += Math.Max(f.Weight * f.MinScore, f.Weight * f.MaxScore);
        }
        return (min, max);
    }

    /// <summary>Scores a finished episode. Throws <see cref="RewardException"/> when a function returns NaN, infinity or a value outside its declared range.</summary>
    public async ValueTask<RewardBreakdown> Score(RewardContext context, RewardMode mode = RewardMode.Graded)
    {
        var scores = new Dictionary<string, double>(_functions.Count);
        double total = 0;
        foreach (var f in _functions)
        {
            var s = await f.Score(context).ConfigureAwait(false);
            if (!double.IsFinite(s))
                throw new RewardException($"Reward function '{f.Name}' returned {s}, not a finite number.");
            const double slack = 1e-9;
            if (s < f.MinScore - slack || s > f.MaxScore + slack)
                throw new RewardException($"Reward function '{f.Name}' returned {s}, outside its declared range [{f.MinScore}, {f.MaxScore}].");
            scores[f.Name] = s;
            total += f.Weight * s;
        }
        var success = _functions.Count > 0 && scores[_functions[0].Name] >= _functions[0].MaxScore - 1e-9;
        if (mode == RewardMode.Binary) total = success ? 1 : 0;
        return new RewardBreakdown(scores, total, success)
        {
            Notes = context.Notes.IsEmpty ? null : new Dictionary<string, string>(context.Notes, StringComparer.Ordinal),
            Judgements = context.Judgements.IsEmpty ? null : new Dictionary<string, Rewards.Judgement>(context.Judgements, StringComparer.Ordinal),
        };
    }
}

/// <summary>
/// A rubric over tasks of type <typeparamref name="TTask"/>: its delegates read the task typed,
/// <c>new Rubric&lt;MathTask&gt;().Add("correct", 1, c =&gt; c.Task.Answer == …)</c>.
/// </summary>
public sealed class Rubric<TTask> : Rubric where TTask : IEnvironmentTask
{
    /// <summary>Adds a function; names must be unique.</summary>
    public new Rubric<TTask> Add(RewardFunction function)
    {
        Append(function);
        return this;
    }

    /// <summary>Adds a function made from a delegate over the typed context.</summary>
    public Rubric<TTask> Add(string name, double weight, Func<RewardContext<TTask>, double> score) => Add(RewardFunction<TTask>.From(name, weight, score));

    /// <summary>Adds a function made from an asynchronous delegate over the typed context (for checks that run code in a sandbox).</summary>
    public Rubric<TTask> AddAsync(string name, double weight, Func<RewardContext<TTask>, ValueTask<double>> score) => Add(RewardFunction<TTask>.FromAsync(name, weight, score));
}
