using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Replay;

namespace Forge.Host.Tests.Replay;

internal sealed record GuessTask(string Id, string Answer) : IEnvironmentTask;

/// <summary>
/// The agent guesses a word; a wrong guess gets a hint (with a number from the episode's random generator), the right one
/// ends the episode. <paramref name="hint"/> lets a test change the environment; <paramref name="useClock"/> makes the hint
/// quote the episode clock's date, which re-execution on another day doesn't reproduce; <paramref name="forTrying"/> adds a
/// rubric component that gives that much for any answer (so a truncated episode scores something).
/// </summary>
[Environment("test/guess", Version = "2")]
internal sealed class GuessEnvironment(string hint = "warmer", bool throwOnGuess = false, bool useClock = false, double forTrying = 0) : Environment<GuessTask>
{
    public static readonly GuessTask Task1 = new("w-1", "apple");

    protected override IEnumerable<Message> Prompt(GuessTask task) => [Message.User("Guess the word.")];

    protected override Rubric Rubric => forTrying == 0
        ? new Rubric().Add("exact", 1, c => c.FinalAnswer == "apple" ? 1 : 0)
        : new Rubric().Add("exact", 1, c => c.FinalAnswer == "apple" ? 1 : 0).Add("tried", forTrying, c => c.FinalAnswer is null ? 0 : 1);

    protected override ValueTask<Turn> OnStepAsync(Message action, CancellationToken cancellationToken)
    {
        if (throwOnGuess) throw new InvalidOperationException("guess store offline");
        var text = useClock ? $"{hint} on {Context.Time.GetUtcNow():yyyy-MM-dd HH:mm:ss.fffffff}" : hint;
        return ValueTask.FromResult(action.Content == Task.Answer ? Turn.End() : Turn.Continue(Message.User(text)));
    }

    /// <summary>A replay setup for <see cref="Task1"/> whose instances come from <paramref name="create"/>.</summary>
    public static ReplaySetup Setup(Func<IEnvironment> create) => new()
    {
        Environment = new RegisteredEnvironment("test/guess", "2", "", typeof(GuessEnvironment), typeof(GuessTask), new FileTaskSource("tasks.jsonl", [Task1]), null, EpisodeLimits.Default, RewardMode.Graded),
        Task = Task1,
        TaskProvenance = new TaskProvenance(),
        Limits = EpisodeLimits.Default,
        RewardMode = RewardMode.Graded,
        Factory = create,
    };
}
