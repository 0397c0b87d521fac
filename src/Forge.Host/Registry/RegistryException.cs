namespace Forge.Host.Registry;

/// <summary>
/// An <c>environments.json</c> that cannot be used. <see cref="Exception.Message"/> has one line per problem, each naming
/// the file, the JSON path and what is wrong: <c>environments.json: $.environments['math/x'].type: type 'Foo' not found</c>.
/// </summary>
public sealed class RegistryException : FormatException
{
    /// <summary>Creates the exception from its problems (at least one).</summary>
    public RegistryException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        if (problems.Count == 0) throw new ArgumentException("A registry exception needs at least one problem.", nameof(problems));
        Problems = problems;
    }

    /// <summary>Every problem found, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
