using Forge.Core.Configuration;

namespace Forge.Host.Registry;

/// <summary>
/// The environments a Forge installation knows, read from <c>environments.json</c>: ids mapped to classes, versions,
/// task sources, default limits, reward modes and scripted solvers. Loading validates everything and reports every
/// problem at once; an unknown id gets a "did you mean".
/// </summary>
public sealed class EnvironmentRegistry
{
    /// <summary>The registry's file name.</summary>
    public const string FileName = "environments.json";

    private readonly Dictionary<string, RegisteredEnvironment> _byId;

    private EnvironmentRegistry(string path, IReadOnlyList<RegisteredEnvironment> environments)
    {
        Path = path;
        Environments = environments.OrderBy(e => e.Id, StringComparer.Ordinal).ToList();
        _byId = environments.ToDictionary(e => e.Id, StringComparer.Ordinal);
        AgentPrograms = environments.SelectMany(e => e.AgentPrograms).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// <c>./environments.json</c> when the working directory has one (a Forge repository), else the one copied next to
    /// the forge assembly, so that forge works from any directory.
    /// </summary>
    public static string DefaultPath => ResolveDefaultPath(Directory.GetCurrentDirectory(), AppContext.BaseDirectory);

    internal static string ResolveDefaultPath(string currentDirectory, string applicationDirectory)
    {
        var local = System.IO.Path.Combine(currentDirectory, FileName);
        return File.Exists(local) ? local : System.IO.Path.Combine(applicationDirectory, FileName);
    }

    /// <summary>The file the registry was read from (full path).</summary>
    public string Path { get; }

    /// <summary>Every registered environment, ordered by id.</summary>
    public IReadOnlyList<RegisteredEnvironment> Environments { get; }

    /// <summary>
    /// The agent programs scenarios may name, ordered by name: every environment's <see cref="RegisteredEnvironment.AgentPrograms"/>
    /// (names are unique across the registry).
    /// </summary>
    public IReadOnlyList<RegisteredAgentProgram> AgentPrograms { get; }

    /// <summary>The agent program called <paramref name="name"/>, in process or a process; null when none is.</summary>
    public RegisteredAgentProgram? FindProgram(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return AgentPrograms.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
    }

    /// <summary>
    /// Reads and validates <paramref name="path"/>. Throws <see cref="RegistryException"/> listing every problem
    /// (file, JSON path, what is wrong), or <see cref="FileNotFoundException"/> when there is no such file.
    /// </summary>
    public static EnvironmentRegistry Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new EnvironmentRegistry(System.IO.Path.GetFullPath(path), RegistryReader.Read(path));
    }

    /// <summary>
    /// The environment class <typeparamref name="TEnvironment"/> as registered by an entry that is just its id: its
    /// <see cref="Forge.Core.EnvironmentAttribute"/> gives the tasks and the solver. For conformance tests in an environment's
    /// own repository: <c>EnvironmentChecker.CheckAsync(EnvironmentRegistry.Describe&lt;MyEnvironment&gt;())</c>.
    /// </summary>
    public static RegisteredEnvironment Describe<TEnvironment>() where TEnvironment : Forge.Core.IEnvironment => RegistryReader.FromType(typeof(TEnvironment));

    /// <summary>Reads <see cref="DefaultPath"/>.</summary>
    public static EnvironmentRegistry LoadDefault() => Load(DefaultPath);

    /// <summary>
    /// The environment registered as <paramref name="id"/>. A name without a family (<c>demo</c>) finds <c>custom/demo</c>
    /// when exactly one entry ends with it. An unknown id throws <see cref="KeyNotFoundException"/> with a "did you mean".
    /// </summary>
    public RegisteredEnvironment Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return TryGet(id, out var environment) ? environment : throw new KeyNotFoundException(Unknown(id));
    }

    /// <summary>Like <see cref="Get"/>, without throwing.</summary>
    public bool TryGet(string id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegisteredEnvironment? environment)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_byId.TryGetValue(id, out environment)) return true;
        if (!id.Contains('/', StringComparison.Ordinal))
        {
            var matches = Environments.Where(e => e.Id.EndsWith("/" + id, StringComparison.Ordinal)).ToList();
            if (matches.Count == 1)
            {
                environment = matches[0];
                return true;
            }
        }
        environment = null;
        return false;
    }

    private string Unknown(string id)
    {
        var suggestion = NameSuggestions.Closest(id, _byId.Keys.Concat(_byId.Keys.Select(k => k[(k.LastIndexOf('/') + 1)..])));
        if (suggestion is not null && !_byId.ContainsKey(suggestion))
            suggestion = _byId.Keys.FirstOrDefault(k => k.EndsWith("/" + suggestion, StringComparison.Ordinal)) ?? suggestion;
        var known = Environments.Count == 0
            ? $" {RegistryReader.DisplayPath(Path)} registers no environments."
            : $" Known: {string.Join(", ", Environments.Select(e => e.Id))}.";
        return suggestion is not null
            ? $"Environment `{id}` doesn't exist. Did you mean `{suggestion}`?"
            : $"Environment `{id}` doesn't exist.{known} (`forge envs list` shows them.)";
    }
}
