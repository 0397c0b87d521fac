using System.ComponentModel;
using Forge.Core;
using Microsoft.SemanticKernel;

namespace Forge.Host.Tests.Rollouts;

internal sealed record FakeTask(string Id) : IEnvironmentTask;

/// <summary>What a <see cref="FakeEnvironment"/> does wrong, if anything.</summary>
public enum Fault { None, ThrowOnReset, ThrowOnStep, HangOnStep, NaNReward, ThrowRewardException }

/// <summary>
/// An environment that ends after <see cref="Steps"/> steps with reward 1 (0.25 per step on the way), answering each message with
/// a number drawn from the episode's random generator, optionally misbehaving on its second step.
/// </summary>
[Environment("test/fake")]
internal class FakeEnvironment(Fault fault = Fault.None, int steps = 3) : IEnvironment
{
    private EpisodeContext? _context;
    private int _step;

    public bool Disposed { get; private set; }
    public List<string> Truncations { get; } = [];

    // Like environments whose rubric closes over the episode, Info is only available once an episode has started.
    public EnvironmentInfo Info => _context is null
        ? throw new InvalidOperationException("call ResetAsync first")
        : new("test/fake", "7", "", 0, 10, GetType().IsDefined(typeof(RequiresSandboxAttribute), true));

    public ValueTask<ResetResult> ResetAsync(EpisodeContext context, IEnvironmentTask task)
    {
        if (fault == Fault.ThrowOnReset) throw new InvalidOperationException("reset failed");
        _context = context;
        _step = 0;
        return ValueTask.FromResult(new ResetResult([Message.System("fake"), Message.User($"task {task.Id}")], [new ToolSpec("noop", "does nothing", "{\"type\":\"object\"}")]));
    }

    public virtual async ValueTask<StepResult> StepAsync(Message action, CancellationToken cancellationToken)
    {
        _step++;
        if (_step == 2)
        {
            switch (fault)
            {
                case Fault.ThrowOnStep: throw new InvalidOperationException("step failed");
                case Fault.HangOnStep: await new TaskCompletionSource().Task; break; // ignores cancellation on purpose
                case Fault.NaNReward: return new StepResult([], double.NaN, false, false);
                case Fault.ThrowRewardException: throw new RewardException("reward function broke");
            }
        }
        var observation = Message.User($"n={_context!.Random.Next(1000)}");
        return _step >= steps
            ? new StepResult([observation], 1, Terminated: true, Truncated: false) { Breakdown = new RewardBreakdown(new Dictionary<string, double> { ["done"] = 1 }, 1, true) }
            : new StepResult([observation], 0.25, false, false);
    }

    public ValueTask<StepResult> TruncateAsync(string reason, CancellationToken cancellationToken)
    {
        Truncations.Add(reason);
        return ValueTask.FromResult(new StepResult([], 0.5, false, true) { TruncationReason = reason, Breakdown = new RewardBreakdown(new Dictionary<string, double> { ["done"] = 0 }, 0.5, false) });
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}

/// <summary>A <see cref="FakeEnvironment"/> that asks for a sandbox.</summary>
[RequiresSandbox]
internal sealed class SandboxedFakeEnvironment : FakeEnvironment;

/// <summary>An agent made of a delegate.</summary>
internal sealed class FakeAgent(Func<AgentTurn, CancellationToken, ValueTask<Message>> act, string id = "fake") : IAgent
{
    public int Calls;
    public string Id => id;

    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        return act(turn, cancellationToken);
    }

    /// <summary>Answers every turn with "ok".</summary>
    public static FakeAgent Ok() => new((_, _) => ValueTask.FromResult(Message.Assistant("ok")));
}

/// <summary>Collects trajectories; optionally slow.</summary>
internal sealed class CollectingSink(TimeSpan delay = default) : ITrajectorySink
{
    private readonly List<Trajectory> _trajectories = [];
    public int Completions;
    public int Received;

    public IReadOnlyList<Trajectory> Trajectories { get { lock (_trajectories) return [.. _trajectories]; } }

    public async ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero) await Task.Delay(delay, cancellationToken);
        lock (_trajectories) _trajectories.Add(trajectory);
        Interlocked.Increment(ref Received);
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Completions);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A small real tool environment: the agent adds numbers with a tool and then answers.</summary>
[Environment("test/adder")]
internal sealed class AdderEnvironment : ToolEnvironment<FakeTask>
{
    protected override IEnumerable<Message> Prompt(FakeTask task) => [Message.User("What is 2 + 3?")];

    protected override Rubric Rubric => new Rubric().Add("correct", 1, ctx => ctx.FinalAnswer == "5" ? 1 : 0);

    [KernelFunction, Description("Adds two integers.")]
    public int Add([Description("first")] int a, [Description("second")] int b) => a + b;
}

internal static class Requests
{
    public static EpisodeRequest[] Make(int count, string environmentId = "test/fake", EpisodeLimits? limits = null) =>
        [.. Enumerable.Range(0, count).Select(i => new EpisodeRequest($"e{i}", environmentId, new FakeTask($"t{i}"), 1000 + i, $"g{i}") { Limits = limits ?? EpisodeLimits.Default })];
}
