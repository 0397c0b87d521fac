using Forge.Host.Registry;

namespace Forge.Host.Checking;

// The agent programs registered for the environment's tasks: what can be told without serving a policy.
internal sealed partial class CheckRun
{
    private Task<string> CheckAgentProgramsAsync()
    {
        if (environment.AgentPrograms.Count == 0) throw new CheckSkipped("no agent programs take this environment's tasks");
        var seen = new List<string>();
        foreach (var program in environment.AgentPrograms)
            seen.Add(program.IsProcess ? CheckProcessProgram(program) : CheckInProcessProgram(program));
        return Task.FromResult(string.Join("; ", seen));
    }

    private string CheckInProcessProgram(RegisteredAgentProgram program)
    {
        var type = program.ProgramType!;
        if (!TypeResolver.IsConstructible(type))
            throw new CheckFailure($"agent program `{program.Name}`: {type.FullName} can't be created (it needs to be a concrete class with a public parameterless constructor)");
        if (!program.TaskType!.IsAssignableFrom(environment.TaskType))
            throw new CheckFailure($"agent program `{program.Name}`: {type.FullName} takes {program.TaskType.Name} tasks, but {environment.Id} has {environment.TaskType.Name} tasks");
        return $"`{program.Name}` in process ({type.Name})";
    }

    /// <summary>
    /// A process program's executable is found (a path relative to the registry's folder, or a name on <c>PATH</c>), and
    /// every argument that names a relative path (has a '/' and doesn't start with '-') exists in the registry's folder.
    /// </summary>
    private static string CheckProcessProgram(RegisteredAgentProgram program)
    {
        var command = program.Command!;
        var folder = program.WorkingDirectory!;
        if (FindExecutable(command[0], folder) is null)
            throw new CheckFailure($"agent program `{program.Name}`: `{command[0]}` is neither a file in {folder} nor a program on PATH");
        foreach (var argument in command.Skip(1).Where(a => a.Contains('/', StringComparison.Ordinal) && !a.StartsWith('-') && !a.Contains("://", StringComparison.Ordinal)))
            if (!File.Exists(Path.Combine(folder, argument)) && !Directory.Exists(Path.Combine(folder, argument)))
                throw new CheckFailure($"agent program `{program.Name}`: the argument '{argument}' names no file in {folder}");
        return $"`{program.Name}` runs {string.Join(' ', command)}";
    }

    private static string? FindExecutable(string executable, string folder)
    {
        if (executable.Contains('/', StringComparison.Ordinal) || Path.IsPathRooted(executable))
            return File.Exists(Path.Combine(folder, executable)) ? Path.Combine(folder, executable) : null;
        var path = System.Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, executable))
            .FirstOrDefault(File.Exists);
    }
}
