using Forge.Core;
using Forge.Core.Rewards;

namespace Forge.Host.Tests.Registry.Fixtures;

/// <summary>A class that isn't an environment, for the registry's "not an IEnvironment" error.</summary>
[Environment("test/not-an-environment")]
public sealed class NotAnEnvironment;

/// <summary>An environment without the [Environment] attribute.</summary>
public sealed class UnnamedEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) => [Message.User(task.Word)];

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<EchoTask>(c => c.Task.Word));
}

/// <summary>A task type another environment takes, for the generator's task type mismatch.</summary>
public sealed record OtherTask(string Id) : IEnvironmentTask;

/// <summary>Makes tasks of the wrong type for the echo environment.</summary>
public sealed class OtherTasks : ITaskGenerator<OtherTask>
{
    public OtherTask Generate(int seed, int index) => new($"other-{index}");
}
