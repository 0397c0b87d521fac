using System.Reflection;
using System.Text.RegularExpressions;
using Forge.Core.Configuration;
using Forge.Core.Programs;

namespace Forge.Host.Registry;

internal sealed partial class RegistryReader
{
    private readonly Dictionary<Assembly, IReadOnlyList<RegisteredAgentProgram>> _inProcessPrograms = [];
    private readonly List<(RegisteredAgentProgram Program, string DeclaredAt)> _programs = [];

    /// <summary>
    /// The agent programs that take environment <paramref name="id"/>'s tasks: the in-process ones (classes in
    /// <paramref name="assembly"/> with <see cref="AgentProgramAttribute"/> naming the id) and the process ones the entry
    /// declares in <c>agent_programs</c>, which run in the registry's folder.
    /// </summary>
    private List<RegisteredAgentProgram> ReadPrograms(string id, RegistryEntry entry, string path, Assembly assembly)
    {
        var programs = InProcessPrograms(assembly).Where(p => p.EnvironmentId == id).ToList();
        foreach (var program in programs) _programs.Add((program, $"the in-process agent program {program.ProgramType!.FullName}"));
        foreach (var (name, options) in entry.AgentPrograms ?? [])
        {
            var programPath = ConfigNames.Child($"{path}.agent_programs", name);
            if (options is null)
                Problem(programPath, "expected an object like { \"command\": [\"python3\", \"agent.py\"] }, got null");
            else if (!ProgramNamePattern().IsMatch(name))
                Problem(programPath, "a program name is lower-case letters, digits, '.', '_' or '-', like \"desk-python\"");
            else
            {
                var deadline = options.DeadlineSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
                var program = RegisteredAgentProgram.Process(name, id, options.Command!, _folder, deadline);
                programs.Add(program);
                _programs.Add((program, programPath));
            }
        }
        return programs;
    }

    /// <summary>
    /// Scenarios name programs without their environment, so a name is declared once in the whole registry: a process
    /// program whose name an in-process program or an earlier entry's program already has is a problem at its JSON path.
    /// </summary>
    private void CheckProgramNames()
    {
        foreach (var same in _programs.GroupBy(p => p.Program.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var owner = same.OrderBy(p => p.Program.IsProcess).First();
            foreach (var (program, declaredAt) in same.Where(p => p.Program.IsProcess && p != owner))
                Problem(declaredAt, $"the name `{program.Name}` is taken by {owner.DeclaredAt}; agent program names are unique across the registry, choose another");
        }
    }

    private IReadOnlyList<RegisteredAgentProgram> InProcessPrograms(Assembly assembly)
    {
        if (_inProcessPrograms.TryGetValue(assembly, out var known)) return known;
        var programs = new Dictionary<string, RegisteredAgentProgram>(StringComparer.Ordinal);
        foreach (var type in TypeResolver.LoadableTypes(assembly))
            if (type.GetCustomAttribute<AgentProgramAttribute>() is { } attribute && !type.IsAbstract && TypeResolver.AgentProgramTaskType(type) is not null)
                programs.TryAdd(attribute.Name, RegisteredAgentProgram.InProcess(attribute.Name, attribute.Environment, type));
        return _inProcessPrograms[assembly] = programs.Values.ToList();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex ProgramNamePattern();
}
