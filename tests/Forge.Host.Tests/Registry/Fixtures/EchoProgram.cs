using Forge.Core;
using Forge.Core.Programs;
using Forge.Core.Rewards;

namespace Forge.Host.Tests.Registry.Fixtures;

/// <summary>An in-process agent program on the echo environment's tasks: says the word back without asking the policy.</summary>
[AgentProgram("echo-back", "test/echo")]
public sealed class EchoProgram : IAgentProgram<EchoTask>
{
    public Task<string> RunAsync(EchoTask task, AgentProgramContext context, CancellationToken cancellationToken) => Task.FromResult(task.Word);

    public Rubric Rubric => new Rubric<EchoTask>().Add(new ExactMatch<EchoTask>(c => c.Task.Word));
}
