using System.ComponentModel;
using System.Text;
using System.Text.RegularExpressions;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Forge.Environments.PythonCoding;

/// <summary>
/// Write a Python function. The agent may experiment with <c>run_python</c> (a warm interpreter in the episode's sandbox)
/// and finishes with <c>submit</c>; hidden unit tests, run in a fresh interpreter and compared on the host (see
/// <see cref="HiddenTests"/>), decide the reward: the fraction passed (graded) or all passed (binary), plus a token budget.
/// A final plain reply with a fenced Python block counts as a submission too.
/// </summary>
[Environment("code/python-functions", Version = "1", Description = "Write a Python function; hidden unit tests run in a sandbox score it.",
    Solver = typeof(PythonSolver), TaskFile = "environments/PythonCoding/python-functions.jsonl")]
[RequiresSandbox]
public partial class PythonFunctionsEnvironment : ToolEnvironment<CodeTask>
{
    /// <summary>The instructions every episode opens with.</summary>
    public const string Instructions =
        "You write Python 3 functions. Tools: run_python(code) runs code in a sandbox and shows its output, so you can try your " +
        "function on examples; submit(code) hands in the source that defines the function and ends the episode. Hidden unit " +
        "tests then call the function; your reward is the share of them it passes. Define the function at the top level; " +
        "don't read input or print in it.";

    private const int RunOutputLimit = 8 * 1024;
    private GradeReport? _grade;

    /// <summary>The system message of every episode.</summary>
    protected virtual string SystemMessage => Instructions;

    /// <summary>True when <c>run_python</c> runs in the episode's stateful session (globals persist from call to call); false: each call gets fresh globals.</summary>
    protected virtual bool StatefulSession => false;

    protected override IEnumerable<Message> Prompt(CodeTask task)
    {
        var user = new StringBuilder(task.Statement).Append("\n\nExamples:\n");
        foreach (var example in task.Examples)
        {
            var call = PythonLiteral.Call(task.Function, example.Args);
            user.Append(example.Raises is { } raises ? $"  {call} raises {raises}\n" : $"  {call} == {PythonLiteral.Of(example.Expected)}\n");
        }
        return [Message.System(SystemMessage), Message.User(user.ToString().TrimEnd())];
    }

    protected override ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        _grade = null;
        return ValueTask.CompletedTask;
    }

    [KernelFunction, Description("Run Python code in the sandbox and return its output (stdout, then stderr and the exit status when there are any).")]
    public async Task<string> RunPython([Description("The Python source to run.")] string code, CancellationToken cancellationToken = default)
    {
        var sandbox = RequireSandbox();
        var result = await sandbox.RunPythonAsync(new PythonRequest(code)
        {
            Timeout = SnippetTimeout,
            OutputLimitBytes = RunOutputLimit,
            Session = StatefulSession,
        }, cancellationToken).ConfigureAwait(false);
        return Render(result);
    }

    [KernelFunction, Description("Submit the Python source that defines the function. Ends the episode; hidden unit tests grade it.")]
    public async Task<string> Submit([Description("The complete source defining the function.")] string code, CancellationToken cancellationToken = default)
    {
        EndEpisode();
        return (await GradeAsync(code, cancellationToken).ConfigureAwait(false)).Describe();
    }

    protected override async ValueTask<Turn> OnReplyAsync(Message reply, CancellationToken cancellationToken)
    {
        if (_grade is null && FencedCode().Match(reply.Content) is { Success: true } match)
            await GradeAsync(match.Groups["code"].Value, cancellationToken).ConfigureAwait(false);
        return Turn.End();
    }

    protected override Rubric Rubric => new Rubric<CodeTask>()
        .Add("unit_tests", 1.0, _ => _grade?.Fraction ?? 0)
        .Add(new TokenBudget(maxTokens: 1024, weight: 0.1));

    private async Task<GradeReport> GradeAsync(string code, CancellationToken cancellationToken)
    {
        if (_grade is not null) return _grade;
        return _grade = await HiddenTests.GradeAsync(RequireSandbox(), Task, code, SnippetTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Snippets and grading stop a little before the tool's own deadline, so the sandbox reports the limit itself.</summary>
    private TimeSpan SnippetTimeout => Context.Limits.ToolTimeout * 0.8;

    private ISandbox RequireSandbox() => Context.Sandbox
        ?? throw new InvalidOperationException("this environment needs a sandbox; run it through the host (forge run), which gives one to environments marked [RequiresSandbox].");

    private static string Render(ExecResult result)
    {
        var text = new StringBuilder(result.Stdout);
        if (result.Stderr.Length > 0) text.Append(text.Length > 0 && text[^1] != '\n' ? "\n" : "").Append("--- stderr ---\n").Append(result.Stderr);
        if (result.OutputTruncated) text.Append($"\n[output truncated at {RunOutputLimit} bytes]");
        if (result.Limit is not SandboxLimit.None and not SandboxLimit.Output) text.Append($"\n[stopped by the sandbox's {result.Limit.ToString().ToLowerInvariant()} limit]");
        else if (result.ExitCode != 0) text.Append($"\n[exit status {result.ExitCode}]");
        return text.Length == 0 ? "(no output)" : text.ToString();
    }

    [GeneratedRegex(@"```(?:python|py)?[ \t]*\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedCode();
}
