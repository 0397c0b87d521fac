using System.ComponentModel;
using Forge.Core;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Acme.Envs;

/// <summary>A task: the text to reverse, and the answer that counts as correct. One JSON line of tasks.jsonl each.</summary>
public sealed record ReverseTask(string Id, string Text, string Answer) : IEnvironmentTask;

/// <summary>
/// The agent reverses a text, with the reverse tool if it likes, and replies with the result.
/// Everything that is code lives here, once: id, version, description, solver, default tasks.
/// </summary>
[Environment("acme.envs/reverse", Version = "1", Description = "Reverse a text, with a tool.",
    Solver = typeof(ReverseSolver), TaskFile = "tasks.jsonl")]
public sealed class ReverseEnvironment : ToolEnvironment<ReverseTask>
{
    /// <inheritdoc />
    protected override IEnumerable<Message> Prompt(ReverseTask task) =>
    [
        Message.System("You reverse texts. You may call the reverse tool. Reply with the reversed text only."),
        Message.User($"Reverse this text: {task.Text}"),
    ];

    /// <summary>A tool: a public method with [KernelFunction] and descriptions; the agent calls it as `reverse`.</summary>
    [KernelFunction, Description("Reverses a text, character by character.")]
    public string Reverse([Description("The text to reverse.")] string text) => string.Concat(text.Reverse());

    /// <summary>The first function is the outcome (full marks there means solved); rewards read the task typed.</summary>
    protected override Rubric Rubric => new Rubric<ReverseTask>()
        .Add(new ExactMatch<ReverseTask>(c => c.Task.Answer, caseSensitive: true, name: "correct"))
        .Add(new FormatCheck(weight: 0.1));
}
