using Forge.Core;

namespace Forge.Host;

/// <summary>Collects one episode as it runs and turns it into its <see cref="Trajectory"/>, whatever way it ends.</summary>
internal sealed class TrajectoryBuilder(EpisodeRequest request, string runId, string agentId, TimeProvider time)
{
    private readonly List<Step> _steps = [];
    private readonly List<StepResult> _results = [];
    private ResetResult? _reset;
    private StepResult? _truncation;
    private readonly MessageLog _conversation = new();
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private readonly long _started = time.GetTimestamp();
    private IReadOnlyList<Message> _prompt = [];
    private IReadOnlyList<ToolSpec> _tools = [];
    private RewardBreakdown? _breakdown;

    public string EpisodeId => request.EpisodeId;

    public string EnvironmentId => request.EnvironmentId;

    /// <summary>The environment's description after reset.</summary>
    public EnvironmentInfo? Info { get; set; }

    /// <summary>Where the episode came from; filled in as the driver learns it.</summary>
    public Provenance Provenance { get; set; } = new();

    /// <summary>Set when the host, not the environment, ended the episode.</summary>
    public string? HostTruncation { get; set; }

    /// <summary>True once reset returned.</summary>
    public bool Started => _reset is not null;

    /// <summary>The conversation so far, prompt first (what the agent sees): a snapshot that later steps don't change.</summary>
    public IReadOnlyList<Message> Conversation => _conversation.Snapshot();

    public IReadOnlyList<ToolSpec> Tools => _tools;

    public int StepCount => _steps.Count;

    public void Start(ResetResult reset)
    {
        _reset = reset;
        _prompt = reset.Observation;
        _tools = reset.Tools;
        _conversation.AddRange(reset.Observation);
    }

    public void AddStep(Message action, StepResult result, double agentMs, double environmentMs)
    {
        _results.Add(result);
        _steps.Add(new Step
        {
            Index = _steps.Count,
            Action = action,
            Observation = result.Observation,
            Reward = result.Reward,
            AgentMs = agentMs,
            EnvironmentMs = environmentMs,
            Info = result.Info,
        });
        _conversation.Add(action);
        _conversation.AddRange(result.Observation);
        _breakdown = result.Breakdown ?? _breakdown;
    }

    /// <summary>An action the environment never answered (the episode ended while it was stepping): kept, with no observation.</summary>
    public void AddUnansweredAction(Message action, double agentMs)
    {
        _steps.Add(new Step { Index = _steps.Count, Action = action, AgentMs = agentMs });
        _conversation.Add(action);
    }

    /// <summary>The score of an episode truncated from outside (deadline): folded into the last step, as the rubric's total is on a normal last step.</summary>
    public void AddTruncation(StepResult result)
    {
        _truncation = result;
        _breakdown = result.Breakdown ?? _breakdown;
        if (_steps.Count == 0)
        {
            _extraReward += result.Reward;
            return;
        }
        var last = _steps[^1];
        _steps[^1] = last with { Reward = last.Reward + result.Reward, Observation = [.. last.Observation, .. result.Observation] };
        _conversation.AddRange(result.Observation);
    }

    private double _extraReward;

    public EpisodeOutcome Finish(Termination termination, string? truncationReason = null, EpisodeError? error = null) =>
        new(Build(termination, truncationReason, error), _reset, Info, _results, HostTruncation, _truncation);

    private Trajectory Build(Termination termination, string? truncationReason, EpisodeError? error)
    {
        var scored = termination is Termination.Terminated or Termination.Truncated;
        var messages = _conversation.Snapshot();
        var tokens = new RewardContext(request.Task, messages);
        return new Trajectory
        {
            EpisodeId = request.EpisodeId,
            RunId = runId,
            GroupId = request.GroupId,
            EnvironmentId = request.EnvironmentId,
            EnvironmentVersion = Info?.Version ?? "",
            Provenance = Provenance,
            ParentEpisodeId = request.ParentEpisodeId,
            ForkStep = request.ForkStep,
            TaskId = request.Task.Id,
            Seed = request.Seed,
            AgentId = agentId,
            PolicyVersion = _steps.LastOrDefault(s => s.Action.PolicyVersion is not null)?.Action.PolicyVersion,
            Prompt = _prompt,
            Tools = _tools,
            Steps = [.. _steps],
            TotalReward = scored ? _steps.Sum(s => s.Reward) + _extraReward : 0,
            Breakdown = scored ? _breakdown : null,
            RewardMode = request.RewardMode,
            Termination = termination,
            TruncationReason = truncationReason,
            Error = error,
            StartedAt = _startedAt,
            DurationMs = time.GetElapsedTime(_started).TotalMilliseconds,
            ToolErrorCount = messages.Count(m => m.Role == Role.Tool && m.IsError),
            MalformedCount = _steps.Count(s => s.Action.Malformed || s.Action.Role != Role.Assistant),
            AssistantTokens = tokens.AssistantTokens, TokenCount = tokens.TokenCount, PromptTokens = tokens.PromptTokens,
        };
    }
}
