using System.ComponentModel;
using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host.Tests.Registry.Fixtures;
using Microsoft.SemanticKernel;

namespace Forge.Host.Tests.Checking.Fixtures;

/// <summary>Each reset numbers the episode with a counter shared by every instance: the same seed doesn't give the same episode.</summary>
[Environment("broken/nondeterministic")]
public sealed class NondeterministicEnvironment : ToolEnvironment<EchoTask>
{
    private static int _episodes;

    protected override IEnumerable<Message> Prompt(EchoTask task) =>
        [Message.System($"Episode {Interlocked.Increment(ref _episodes)}."), Message.User(task.Word)];

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<EchoTask>(c => c.Task.Word));
}

/// <summary>Pays a step reward of 5 for every reply while declaring that steps pay nothing.</summary>
[Environment("broken/overpaying")]
public sealed class OverpayingEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) => [Message.User(task.Word)];

    protected override ValueTask<Turn> OnReplyAsync(Message reply, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Turn.End() with { Reward = 5 });

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<EchoTask>(c => c.Task.Word));
}

/// <summary>Expects every reply to be a number and throws on anything else.</summary>
[Environment("broken/fragile")]
public sealed class FragileEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) => [Message.User($"How many letters has {task.Word}?")];

    protected override ValueTask<Turn> OnReplyAsync(Message reply, CancellationToken cancellationToken)
    {
        _ = int.Parse(reply.Content, System.Globalization.CultureInfo.InvariantCulture);
        return ValueTask.FromResult(Turn.End());
    }

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<EchoTask>(c => c.Task.Word.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}

/// <summary>Hangs, ignoring cancellation, when a reply has a NUL character.</summary>
[Environment("broken/hanging")]
public sealed class HangingEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) => [Message.User(task.Word)];

    [KernelFunction, Description("Does nothing.")]
    public string Wait([Description("Anything.")] string text) => text;

    protected override async ValueTask<Turn> OnReplyAsync(Message reply, CancellationToken cancellationToken)
    {
        if (reply.Content.Contains('\0', StringComparison.Ordinal)) await System.Threading.Tasks.Task.Delay(Timeout.Infinite, CancellationToken.None);
        return Turn.End();
    }

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<EchoTask>(c => c.Task.Word));
}

/// <summary>
/// Implements the contract by hand and gets it wrong: an invalid tool, steps accepted after the episode ended,
/// and max_turns reported as terminated rather than truncated.
/// </summary>
[Environment("broken/sloppy")]
public sealed class SloppyEnvironment : IEnvironment
{
    private int _turns;
    private EpisodeContext? _context;

    public EnvironmentInfo Info => new("broken/sloppy", "1", "", 0, 1, false);

    public ValueTask<ResetResult> ResetAsync(EpisodeContext context, IEnvironmentTask task)
    {
        _context = context;
        _turns = 0;
        return ValueTask.FromResult(new ResetResult([Message.User("Say something.")],
            [new ToolSpec("Bad-Name", "", """{ "type": "objekt", "properties": { "x": { "type": "string" } }, "required": ["y"] }""")]));
    }

    public ValueTask<StepResult> StepAsync(Message action, CancellationToken cancellationToken)
    {
        _turns++;
        var observation = action.ToolCalls.Select(c => Message.ToolResult(c.Id, c.Name, "error: no", isError: true)).DefaultIfEmpty(Message.User("ok")).ToList();
        var ended = action.ToolCalls.Count == 0 || _turns >= _context!.Limits.MaxTurns;
        return ValueTask.FromResult(new StepResult(observation, 0, Terminated: ended, Truncated: false)
        {
            Breakdown = ended ? new RewardBreakdown(new Dictionary<string, double>(), 0, false) : null,
        });
    }

    public ValueTask<StepResult> TruncateAsync(string reason, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new StepResult([], 0, false, true) { TruncationReason = reason, Breakdown = new RewardBreakdown(new Dictionary<string, double>(), 0, false) });

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Opens with the episode clock's date: re-executing an episode on another day doesn't reproduce it.</summary>
[Environment("broken/clock-reading")]
public sealed class ClockReadingEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) =>
        [Message.User($"{task.Word} (today is {Context.Time.GetUtcNow():yyyy-MM-dd})")];

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<EchoTask>(c => c.Task.Word));
}

/// <summary>The same, declared: its author marks it as not forkable.</summary>
[Environment("broken/clock-reading-declared")]
[NotForkable("it quotes the wall clock")]
public sealed class DeclaredClockReadingEnvironment : ToolEnvironment<EchoTask>
{
    protected override IEnumerable<Message> Prompt(EchoTask task) =>
        [Message.User($"{task.Word} (today is {Context.Time.GetUtcNow():yyyy-MM-dd})")];

    protected override Rubric Rubric => new Rubric().Add(new ExactMatch<EchoTask>(c => c.Task.Word));
}
