namespace Forge.Host.Checking;

/// <summary>The names of the checks <see cref="EnvironmentChecker"/> runs, in order.</summary>
public static class CheckNames
{
    /// <summary>Tasks load, ids are unique, a generator gives the same tasks for the same seed.</summary>
    public const string Tasks = "tasks";
    /// <summary>The instance describes itself as registered: id, version, a finite reward range.</summary>
    public const string Info = "info";
    /// <summary>Reset returns a non-empty prompt that opens with a system or user message.</summary>
    public const string Reset = "reset";
    /// <summary>Tool names, descriptions and argument schemas (valid JSON Schema, draft 2020-12).</summary>
    public const string ToolSchemas = "tool-schemas";
    /// <summary>Same seed and task ⇒ identical episode, on fresh instances and on a reused one.</summary>
    public const string Determinism = "determinism";
    /// <summary>Rewards are finite and within the declared range, in graded and binary mode.</summary>
    public const string RewardRange = "reward-range";
    /// <summary>The scripted solver's episodes terminate with success.</summary>
    public const string Solver = "solver";
    /// <summary>The agent programs registered for the environment's tasks can start: an in-process one's class can be created and takes these tasks; a process one's executable and the files it names exist.</summary>
    public const string AgentPrograms = "agent-programs";
    /// <summary>A step after the episode ended throws <see cref="InvalidOperationException"/>.</summary>
    public const string StepAfterDone = "step-after-done";
    /// <summary>Hitting max_turns or an outside limit truncates the episode (not terminates), with the reason.</summary>
    public const string Truncation = "truncation";
    /// <summary>Plain text that is nothing but noise.</summary>
    public const string GarbageText = "hostile/garbage-text";
    /// <summary>A tool call whose arguments are not valid JSON.</summary>
    public const string BrokenToolJson = "hostile/broken-tool-json";
    /// <summary>A message the agent's parser flagged as malformed.</summary>
    public const string MalformedMessage = "hostile/malformed-message";
    /// <summary>Calls of a tool that doesn't exist (and of one with no name).</summary>
    public const string UnknownTool = "hostile/unknown-tool";
    /// <summary>Arguments of the wrong shape: an array, unknown parameters, wrong types.</summary>
    public const string BadArguments = "hostile/bad-arguments";
    /// <summary>A 1 MB message.</summary>
    public const string HugeMessage = "hostile/huge-message";
    /// <summary>An empty message.</summary>
    public const string EmptyMessage = "hostile/empty-message";
    /// <summary>Messages with the user's and the tool's role instead of the assistant's.</summary>
    public const string WrongRole = "hostile/wrong-role";
    /// <summary>Many tool calls in one message.</summary>
    public const string ManyToolCalls = "hostile/many-tool-calls";
    /// <summary>Re-executing an episode's recorded actions on a fresh instance (the episode's clock a day later) reproduces it, so replay can rerun and fork its episodes.</summary>
    public const string Forkable = "forkable";
    /// <summary>Disposing works, after an episode and on an instance never used, twice.</summary>
    public const string Dispose = "dispose";

    /// <summary>Every check, in the order they run.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Tasks, Info, Reset, ToolSchemas, Determinism, RewardRange, Solver, AgentPrograms, StepAfterDone, Truncation,
        GarbageText, BrokenToolJson, MalformedMessage, UnknownTool, BadArguments, HugeMessage, EmptyMessage, WrongRole, ManyToolCalls,
        Forkable, Dispose,
    ];
}
