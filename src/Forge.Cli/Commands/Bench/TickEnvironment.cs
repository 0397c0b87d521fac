using System.ComponentModel;
using Forge.Core;
using Microsoft.SemanticKernel;

namespace Forge.Cli.Commands.Bench;

/// <summary>The benchmark's trivial environment: one tool, <c>tick</c>; the episode ends after the k-th call.</summary>
[Environment("bench/tick", Description = "Benchmark environment: call tick k times.")]
internal sealed class TickEnvironment(int stepsPerEpisode) : ToolEnvironment<TickTask>
{
    private int _ticks;

    protected override IEnumerable<Message> Prompt(TickTask task) => [Message.User($"Call tick {stepsPerEpisode} times.")];

    protected override Rubric Rubric => new Rubric().Add("ticked", 1, _ => _ticks >= stepsPerEpisode ? 1 : 0);

    protected override ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        _ticks = 0;
        return ValueTask.CompletedTask;
    }

    [KernelFunction, Description("Counts one tick and returns the count so far.")]
    public int Tick()
    {
        if (++_ticks >= stepsPerEpisode) EndEpisode();
        return _ticks;
    }
}

/// <summary>A benchmark task (nothing to solve).</summary>
internal sealed record TickTask(string Id) : IEnvironmentTask;

/// <summary>The benchmark's scripted agent: calls <c>tick</c> every turn.</summary>
internal sealed class TickAgent : IAgent
{
    private static readonly Message Call = Message.Assistant("", new ToolCall("t", "tick", "{}"));

    public string Id => "scripted/tick";

    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken) => ValueTask.FromResult(Call);
}
