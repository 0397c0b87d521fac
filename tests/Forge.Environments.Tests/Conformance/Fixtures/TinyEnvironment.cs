using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Forge.Core;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Forge.Environments.Tests.Conformance.Fixtures;

/// <summary>A task of the tiny environment: two numbers and their sum.</summary>
public sealed record TinyTask(string Id, int A, int B, int Sum) : IEnvironmentTask;

/// <summary>A test-only environment that keeps the contract: add two numbers, with an add tool, and answer the sum.</summary>
[Environment("test/tiny", Description = "Add two numbers (test only).", Solver = typeof(TinySolver))]
public sealed class TinyEnvironment : ToolEnvironment<TinyTask>
{
    protected override IEnumerable<Message> Prompt(TinyTask task) =>
        [Message.System("Answer with a number only."), Message.User($"What is {task.A} + {task.B}?")];

    [KernelFunction, Description("Adds two integers.")]
    public int Add([Description("The first number.")] int a, [Description("The second number.")] int b) => a + b;

    protected override Rubric Rubric => new Rubric()
        .Add(new NumericTolerance<TinyTask>(c => c.Task.Sum))
        .Add(new FormatCheck());
}

/// <summary>Solves tiny tasks: calls add, then answers what it returned.</summary>
public sealed class TinySolver : IAgent
{
    public string Id => "scripted/tiny";

    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var task = (TinyTask)turn.Task;
        var result = turn.Conversation.LastOrDefault(m => m.Role == Role.Tool && !m.IsError);
        return ValueTask.FromResult(result is null
            ? Message.Assistant("", new ToolCall("add-0", "add", JsonSerializer.Serialize(new { a = task.A, b = task.B })))
            : Message.Assistant(result.Content));
    }
}

/// <summary>A test-only environment that breaks the contract: its prompt carries a counter shared by every instance.</summary>
[Environment("test/drifting", Description = "Nondeterministic on purpose (test only).", Solver = typeof(TinySolver))]
public sealed class DriftingEnvironment : ToolEnvironment<TinyTask>
{
    private static int _resets;

    protected override IEnumerable<Message> Prompt(TinyTask task) =>
        [Message.User($"Reset number {Interlocked.Increment(ref _resets).ToString(CultureInfo.InvariantCulture)}: what is {task.A} + {task.B}?")];

    [KernelFunction, Description("Adds two integers.")]
    public int Add([Description("The first number.")] int a, [Description("The second number.")] int b) => a + b;

    protected override Rubric Rubric => new Rubric().Add(new NumericTolerance<TinyTask>(c => c.Task.Sum));
}
