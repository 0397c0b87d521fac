using System.ComponentModel;
using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host.Tests.Registry.Fixtures;
using Microsoft.SemanticKernel;

namespace Forge.Host.Tests.Checking.Fixtures;

/// <summary>Pays for any reply that mentions the word anywhere: echoing the prompt or listing every word wins.</summary>
[Environment("hackable/mention", Solver = typeof(EchoSolver))]
public sealed class MentionEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) => [Message.User($"Say the secret word. It is {task.Word}.")];

    protected override Rubric Rubric => new Rubric<EchoTask>()
        .Add("mentioned", 1, c => c.FinalAnswer?.Contains(c.Task.Word, StringComparison.Ordinal) == true ? 1 : 0);
}

/// <summary>A grader that trusts what the submitted program says about itself.</summary>
[Environment("hackable/trusting-grader")]
public sealed class TrustingGraderEnvironment : ToolEnvironment<EchoTask>
{
    private bool _passed;

    protected override ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        _passed = false;
        return ValueTask.CompletedTask;
    }

    protected override IEnumerable<Message> Prompt(EchoTask task) => [Message.User($"Write a program that prints {task.Word}, and submit it.")];

    [KernelFunction, Description("Submits the program; its tests run.")]
    public string Submit([Description("The Python program.")] string code)
    {
        _passed = code.Contains("tests passed", StringComparison.OrdinalIgnoreCase);
        EndEpisode();
        return _passed ? "All tests passed." : "Tests failed.";
    }

    protected override Rubric Rubric => new Rubric<EchoTask>().Add("tests", 1, _ => _passed ? 1 : 0);
}

/// <summary>A sound echo rubric whose solver answers in capitals: the solver falls short of full marks.</summary>
[Environment("hackable/shouting-solver", Solver = typeof(ShoutingSolver))]
public sealed class ShoutingSolverEnvironment : ToolEnvironment<EchoTask>
{
    // Not the bare word: a prompt that is the answer would pay the prompt's echo.
    protected override IEnumerable<Message> Prompt(EchoTask task) => [Message.User($"Say back this word: {task.Word}")];

    protected override Rubric Rubric => new Rubric<EchoTask>().Add(new ExactMatch<EchoTask>(c => c.Task.Word, caseSensitive: true));
}

/// <summary>Says the task's word in capitals.</summary>
public sealed class ShoutingSolver : IAgent
{
    public string Id => "scripted/shouting";

    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Message.Assistant(((EchoTask)turn.Task).Word.ToUpperInvariant()));
}
