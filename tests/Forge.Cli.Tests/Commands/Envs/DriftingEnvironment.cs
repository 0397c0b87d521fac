using Forge.Core;
using Forge.Core.Rewards;

namespace Forge.Cli.Tests.Commands.Envs;

/// <summary>A task of the drifting environment.</summary>
public sealed record DriftingTask(string Id) : IEnvironmentTask;

/// <summary>Fails the checker on purpose: its prompt counts resets across every instance.</summary>
[Environment("test/drifting")]
public sealed class DriftingEnvironment : ToolEnvironment<DriftingTask>
{
    private static int _resets;

    protected override IEnumerable<Message> Prompt(DriftingTask task) => [Message.User($"Reset {Interlocked.Increment(ref _resets)}.")];

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<DriftingTask>(_ => "done"));
}

/// <summary>Pays for any reply at all: every adversary that answers wins.</summary>
[Environment("test/gullible")]
public sealed class GullibleEnvironment : ToolEnvironment<DriftingTask>
{
    protected override IEnumerable<Message> Prompt(DriftingTask task) => [Message.User("Say anything.")];

    protected override Rubric Rubric => new Rubric<DriftingTask>().Add("replied", 1, c => c.FinalAnswer is not null ? 1 : 0);
}
