using System.ComponentModel;
using Forge.Core.Scripted;
using Microsoft.SemanticKernel;

namespace Forge.Environments.Latency;

/// <summary>
/// An I/O-bound episode for measuring rollout throughput: each task asks for a few calls of <c>fetch</c>, a tool that
/// answers after a fixed delay (as a remote API would), spending no CPU meanwhile. The delay is on the episode's clock.
/// </summary>
[Environment("bench/latency", Version = "1", Description = "I/O-bound benchmark: a fetch tool with a fixed 20 ms latency, a few calls per episode.",
    Solver = typeof(LatencySolver), TaskGenerator = typeof(LatencyTasks), TaskCount = 100_000)]
public sealed class LatencyEnvironment : ToolEnvironment<LatencyTask>
{
    /// <summary>How long each fetch takes.</summary>
    public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(20);

    private int _fetched;

    protected override IEnumerable<Message> Prompt(LatencyTask task) => [Message.User($"Call fetch {task.Calls} times.")];

    protected override Rubric Rubric => new Rubric().Add("fetched", 1, _ => _fetched >= Task.Calls ? 1 : 0);

    protected override ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        _fetched = 0;
        return ValueTask.CompletedTask;
    }

    [KernelFunction, Description("Fetches the next item; takes 20 ms.")]
    public async Task<int> Fetch(CancellationToken cancellationToken)
    {
        await System.Threading.Tasks.Task.Delay(Latency, cancellationToken);
        if (++_fetched >= Task.Calls) EndEpisode();
        return _fetched;
    }
}

/// <summary>A latency task: how many fetches the episode takes.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Calls">Fetches before the episode ends.</param>
public sealed record LatencyTask(string Id, int Calls) : IEnvironmentTask;

/// <summary>Latency tasks of 3 fetches each (an episode takes about 60 ms of waiting).</summary>
public sealed class LatencyTasks : ITaskGenerator<LatencyTask>
{
    /// <inheritdoc />
    public LatencyTask Generate(int seed, int index) => new($"latency-{seed}-{index}", 3);
}

/// <summary>Calls <c>fetch</c> every turn.</summary>
public sealed class LatencySolver() : ScriptedAgent<LatencyTask>("scripted/latency")
{
    protected override Message Act(LatencyTask task, AgentTurn turn) => Script.Call(turn, "fetch", new { });
}
