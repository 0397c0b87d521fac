using System.Reflection;
using Forge.Core.Configuration;
using Forge.Core.Programs;

namespace Forge.Host.Registry;

internal sealed partial class RegistryReader
{
    /// <summary>
    /// The agent programs scenarios may name: the in-process ones (classes with <see cref="AgentProgramAttribute"/> in the
    /// environments' assemblies) and the process ones each entry declares in <c>agent_programs</c>. A process program whose
    /// name is taken by an in-process one or by another entry's program is a problem at its JSON path.
    /// </summary>
    private List<RegisteredAgentProgram> ReadPrograms(IReadOnlyList<RegisteredEnvironment> environments, IEnumerable<(string Id, RegistryEntry Entry, string Path)> entries)
    {
        var programs = InProcessPrograms(environments.Select(e => e.EnvironmentType.Assembly).Distinct());
        var declaredAt = programs.ToDictionary(p => p.Name, p => $"the in-process agent program {p.ProgramType!.FullName}", StringComparer.Ordinal);
        foreach (var (id, entry, entryPath) in entries)
            foreach (var (name, options) in entry.AgentPrograms ?? [])
            {
                var path = ConfigNames.Child($"{entryPath}.agent_programs", name);
                if (options is null)
                    Problem(path, "expected an object like { \"command\": [\"python3\", \"agent.py\"] }, got null");
                else if (!ProgramNamePattern().IsMatch(name))
                    Problem(path, "a program name is lower-case letters, digits, '.', '_' or '-', like \"desk-python\"");
                else if (declaredAt.TryGetValue(name, out var other))
                    Problem(path, $"the name `{name}` is taken by {other}; program names are unique across the registry, choose another");
                else
                {
                    declaredAt[name] = path;
                    var deadline = options.DeadlineSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
                    programs.Add(RegisteredAgentProgram.Process(name, id, options.Command!, _folder, deadline));
                }
            }
        return programs;
    }

    private static List<RegisteredAgentProgram> InProcessPrograms(IEnumerable<Assembly> assemblies)
    {
        var programs = new Dictionary<string, RegisteredAgentProgram>(StringComparer.Ordinal);
        foreach (var assembly in assemblies)
            foreach (var type in TypeResolver.LoadableTypes(assembly))
                if (type.GetCustomAttribute<AgentProgramAttribute>() is { } attribute && !type.IsAbstract && TypeResolver.AgentProgramTaskType(type) is not null)
                    programs.TryAdd(attribute.Name, RegisteredAgentProgram.InProcess(attribute.Name, attribute.Environment, type));
        return programs.Values.ToList();
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial System.Text.RegularExpressions.Regex ProgramNamePattern();
}
