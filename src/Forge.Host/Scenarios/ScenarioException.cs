namespace Forge.Host.Scenarios;

/// <summary>A scenario file that can't run; <see cref="Problems"/> lists every problem, each naming the file and the JSON path.</summary>
public sealed class ScenarioException(IReadOnlyList<string> problems)
    : FormatException(problems.Count == 1 ? problems[0] : $"{problems.Count} problems:{System.Environment.NewLine}  " + string.Join(System.Environment.NewLine + "  ", problems))
{
    /// <summary>Every problem found, one line each (<c>file: $.path: what is wrong</c>).</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
