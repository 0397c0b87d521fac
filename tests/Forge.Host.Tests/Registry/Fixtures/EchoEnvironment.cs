using System.ComponentModel;
using Forge.Core;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Forge.Host.Tests.Registry.Fixtures;

/// <summary>A task of the echo environment: the word to say back.</summary>
public sealed record EchoTask(string Id, string Word) : IEnvironmentTask;

/// <summary>A well-behaved test environment: the agent may spell the word with a tool, then says it back.</summary>
[Environment("test/echo", Version = "2", Description = "Say the word back.", Solver = typeof(EchoSolver))]
public class EchoEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) =>
        [Message.System("Reply with the user's word, nothing else. The spell tool spells a word."), Message.User(task.Word)];

    [KernelFunction, Description("Spells a word letter by letter.")]
    public string Spell([Description("The word to spell.")] string word) => string.Join(' ', word.ToCharArray());

    protected override Rubric Rubric => new Rubric<EchoTask>()
        .Add(new ExactMatch<EchoTask>(c => c.Task.Word))
        .Add(new FormatCheck(weight: 0.5));
}

/// <summary>The echo environment without a solver, its tasks made by a generator its attribute names.</summary>
[Environment("test/unsolved", Description = "Say the word back, unsolved.", TaskGenerator = typeof(EchoTasks), TaskCount = 5)]
public sealed class UnsolvedEchoEnvironment : EchoEnvironment;

/// <summary>An environment whose attribute names a solver that isn't an agent.</summary>
[Environment("test/bad-solver", Solver = typeof(EchoTasks))]
public sealed class BadSolverEnvironment : EchoEnvironment;

/// <summary>Makes echo tasks from a seed.</summary>
public sealed class EchoTasks : ITaskGenerator<EchoTask>
{
    private static readonly string[] Words = ["apple", "river", "stone", "cloud", "maple", "ember", "harbor", "lantern"];

    public EchoTask Generate(int seed, int index) =>
        new($"echo-{seed}-{index}", Words[new Random(HashCode.Combine(seed, index)).Next(Words.Length)]);
}

/// <summary>Solves echo tasks: spells the word once, then says it.</summary>
public sealed class EchoSolver : IAgent
{
    public string Id => "scripted/echo";

    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var word = ((EchoTask)turn.Task).Word;
        return ValueTask.FromResult(turn.TurnIndex == 0
            ? Message.Assistant("", new ToolCall("call-0", "spell", $$"""{"word":"{{word}}"}"""))
            : Message.Assistant(word));
    }
}
