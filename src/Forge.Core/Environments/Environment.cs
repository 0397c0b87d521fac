using System.Reflection;

namespace Forge.Core;

/// <summary>
/// Base class of environments with typed tasks. An author overrides <see cref="Prompt"/>, <see cref="Rubric"/> and
/// <see cref="OnStepAsync"/>; the base keeps the conversation, enforces the turn limit and the action size limit,
/// scores the episode with the rubric when it ends, and reports Gymnasium's terminated/truncated.
/// Most environments with tools derive from <see cref="ToolEnvironment{TTask}"/>, which implements the step.
/// </summary>
public abstract class Environment<TTask> : IEnvironment where TTask : class, IEnvironmentTask
{
    private readonly List<Message> _conversation = [];
    private Rubric? _rubric;
    private double _stepRewards;
    private TTask? _task;
    private EpisodeContext? _context;

    /// <summary>The current episode's context (seed, random, clock, limits, sandbox).</summary>
    protected EpisodeContext Context => _context ?? throw new InvalidOperationException($"{GetType().Name}: call ResetAsync before stepping.");

    /// <summary>The current episode's task.</summary>
    protected TTask Task => _task ?? throw new InvalidOperationException($"{GetType().Name}: call ResetAsync before stepping.");

    /// <summary>
    /// The judge model the run configured (<see cref="EpisodeContext.Judge"/>), for rubrics with optional LLM-judged functions
    /// (<see cref="Rewards.LlmJudge{TTask}"/>); null before the first reset and when the run configured none.
    /// </summary>
    protected Rewards.JudgeEndpoint? Judge => _context?.Judge;

    /// <summary>The whole conversation so far.</summary>
    protected IReadOnlyList<Message> Conversation => _conversation;

    /// <summary>How many agent messages the episode has had.</summary>
    protected int Turns { get; private set; }

    /// <summary>True once the episode has ended.</summary>
    protected bool IsDone { get; private set; }

    /// <summary>The system and user messages that open an episode on <paramref name="task"/>.</summary>
    protected abstract IEnumerable<Message> Prompt(TTask task);

    /// <summary>
    /// How episodes are scored. Called once per episode and also by <see cref="Info"/> (to declare the reward range,
    /// possibly before any reset): build the functions without reading the task or episode state, and let each function
    /// read them when it scores (closures over the environment or the <see cref="RewardContext{TTask}"/>). A
    /// <see cref="Rubric{TTask}"/> gives its functions the task typed: <c>new Rubric&lt;MathTask&gt;().Add("correct", 1, c =&gt; …c.Task.Answer…)</c>.
    /// </summary>
    protected abstract Rubric Rubric { get; }

    /// <summary>The tools on offer (none by default).</summary>
    protected virtual IReadOnlyList<ToolSpec> Tools => [];

    /// <summary>The lowest and highest reward one step may give besides the final score (zero by default).</summary>
    protected virtual (double Min, double Max) StepRewardRange => (0, 0);

    /// <summary>Called at reset, before the prompt is built, to set up per-episode state.</summary>
    protected virtual ValueTask OnResetAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Answers one agent message.</summary>
    protected abstract ValueTask<Turn> OnStepAsync(Message action, CancellationToken cancellationToken);

    /// <inheritdoc />
    public EnvironmentInfo Info => DescribeSelf();

    /// <inheritdoc />
    public async ValueTask<ResetResult> ResetAsync(EpisodeContext context, IEnvironmentTask task)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (task is not TTask typed)
            throw new ArgumentException($"{Info.Id} expects tasks of type {typeof(TTask).Name}, got {task?.GetType().Name ?? "null"}.", nameof(task));
        _context = context;
        _task = typed;
        _conversation.Clear();
        _stepRewards = 0;
        Turns = 0;
        IsDone = false;
        _rubric = null;
        await OnResetAsync(context.Cancellation).ConfigureAwait(false);
        var prompt = Prompt(typed).ToList();
        _conversation.AddRange(prompt);
        return new ResetResult(prompt, Tools);
    }

    /// <inheritdoc />
    public async ValueTask<StepResult> StepAsync(Message action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        _ = Task;
        if (IsDone) throw new InvalidOperationException($"{Info.Id}: the episode is over; call ResetAsync to start another.");
        if (action.Role != Role.Assistant) action = action with { Role = Role.Assistant, Malformed = true };
        Turns++;

        Turn turn;
        var length = action.Content.Length + action.ToolCalls.Sum(c => c.ArgumentsJson.Length + c.Name.Length);
        if (length > Context.Limits.MaxActionChars)
        {
            _conversation.Add(action with { Content = ToolErrors.Truncate(action.Content, Context.Limits.MaxActionChars), ToolCalls = [], Malformed = true });
            turn = Turn.Continue(Message.User(ToolErrors.TooLong(length, Context.Limits.MaxActionChars)));
        }
        else
        {
            _conversation.Add(action);
            turn = await OnStepAsync(action, cancellationToken).ConfigureAwait(false);
        }
        if (!double.IsFinite(turn.Reward)) throw new RewardException($"{Info.Id}: a step returned the reward {turn.Reward}, not a finite number.");
        _conversation.AddRange(turn.Observation);
        _stepRewards += turn.Reward;

        if (turn.Ended) return await FinishAsync(turn.Observation, turn.Reward, truncationReason: null).ConfigureAwait(false);
        if (Turns >= Context.Limits.MaxTurns) return await FinishAsync(turn.Observation, turn.Reward, "max_turns").ConfigureAwait(false);
        return new StepResult(turn.Observation, turn.Reward, Terminated: false, Truncated: false);
    }

    /// <inheritdoc />
    public ValueTask<StepResult> TruncateAsync(string reason, CancellationToken cancellationToken)
    {
        _ = Task;
        if (IsDone) throw new InvalidOperationException($"{Info.Id}: the episode is over; call ResetAsync to start another.");
        return FinishAsync([], 0, reason);
    }

    private async ValueTask<StepResult> FinishAsync(IReadOnlyList<Message> observation, double stepReward, string? truncationReason)
    {
        IsDone = true;
        _rubric ??= Rubric;
        var breakdown = await _rubric.Score(new RewardContext<TTask>(Task, _conversation) { TruncationReason = truncationReason }, Context.RewardMode).ConfigureAwait(false);
        return new StepResult(observation, stepReward + breakdown.Total, Terminated: truncationReason is null, Truncated: truncationReason is not null)
        {
            Breakdown = breakdown,
            TruncationReason = truncationReason,
        };
    }

    private EnvironmentInfo DescribeSelf()
    {
        var (attribute, requiresSandbox) = Declared.Of(GetType());
        // The episode's rubric: scoring at the end uses the same one (reset starts the next episode's afresh).
        _rubric ??= Rubric;
        var (min, max) = _rubric.Range(_context?.RewardMode ?? RewardMode.Graded);
        var turns = _context?.Limits.MaxTurns ?? EpisodeLimits.Default.MaxTurns;
        var (stepMin, stepMax) = StepRewardRange;
        return new EnvironmentInfo(attribute.Id, attribute.Version, attribute.Description,
            min + turns * Math.Min(0, stepMin), max + turns * Math.Max(0, stepMax), requiresSandbox);
    }

    /// <summary>What an environment type declares with attributes, read once per type.</summary>
    private static class Declared
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (EnvironmentAttribute Attribute, bool RequiresSandbox)> Types = new();

        public static (EnvironmentAttribute Attribute, bool RequiresSandbox) Of(Type type) => Types.GetOrAdd(type, static t => (
            t.GetCustomAttribute<EnvironmentAttribute>() ?? throw new InvalidOperationException($"{t.FullName} needs an [Environment(\"family/name\")] attribute."),
            t.GetCustomAttribute<RequiresSandboxAttribute>() is not null));
    }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
