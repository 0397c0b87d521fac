namespace Forge.Core.Configuration;

/// <summary>
/// A configuration file that can't be used. <see cref="Exception.Message"/> has one line per problem
/// (<c>file: $.path: what is wrong</c>), so a user fixes them all in one pass.
/// </summary>
public class ConfigException : FormatException
{
    /// <summary>Creates the exception from its problems (at least one).</summary>
    public ConfigException(IReadOnlyList<ConfigProblem> problems)
        : base(string.Join(System.Environment.NewLine, problems))
    {
        if (problems.Count == 0) throw new ArgumentException("A configuration exception needs at least one problem.", nameof(problems));
        Problems = problems;
    }

    /// <summary>Every problem found, in document order.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; }
}
