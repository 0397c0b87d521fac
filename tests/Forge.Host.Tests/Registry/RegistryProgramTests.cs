using Forge.Host.Registry;
using Forge.Host.Tests.Registry.Fixtures;

namespace Forge.Host.Tests.Registry;

/// <summary>
/// An entry's <c>agent_programs</c>: process programs read with their command, deadline and the registry's folder, found by
/// name together with the in-process ones; each bad declaration reported with the file and its JSON path.
/// </summary>
public sealed class RegistryProgramTests
{
    private const string Echo = "$.environments['test/echo']";
    private const string Here = "\"assembly\": \"Forge.Host.Tests\", \"tasks\": { \"file\": \"tasks/echo.jsonl\" }";

    private static IReadOnlyList<string> Problems(string environmentsJson)
    {
        using var files = new TempRegistry(environmentsJson);
        var error = Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path));
        Assert.All(error.Problems, p => Assert.StartsWith(files.Path, p));
        return error.Problems.Select(p => p[(files.Path.Length + 2)..]).ToList();
    }

    private static string Single(string programs) =>
        Assert.Single(Problems($$"""{ "schema_version": 2, "environments": { "test/echo": { {{Here}}, "agent_programs": {{programs}} } } }"""));

    [Fact]
    public void Load_ProcessProgram_ResolvesInTheRegistrysFolderBesideTheInProcessOnes()
    {
        using var files = TempRegistry.With("test/echo", $$"""
            { {{Here}}, "agent_programs": { "echo-python": { "command": [ "python3", "programs/echo.py", "--fast" ], "deadline_seconds": 30 } } }
            """);

        var registry = EnvironmentRegistry.Load(files.Path);

        Assert.Equal(["echo-back", "echo-python"], registry.AgentPrograms.Select(p => p.Name));
        var process = registry.FindProgram("echo-python")!;
        Assert.True(process.IsProcess);
        Assert.Equal("test/echo", process.EnvironmentId);
        Assert.Equal(["python3", "programs/echo.py", "--fast"], process.Command);
        Assert.Equal(files.Folder, process.WorkingDirectory);
        Assert.Equal(TimeSpan.FromSeconds(30), process.Deadline);
        Assert.Null(process.ProgramType);
        var inProcess = registry.FindProgram("echo-back")!;
        Assert.False(inProcess.IsProcess);
        Assert.Equal(typeof(EchoProgram), inProcess.ProgramType);
        Assert.Equal(typeof(EchoTask), inProcess.TaskType);
        Assert.Null(inProcess.Deadline);
        Assert.Equal(registry.AgentPrograms, registry.Get("test/echo").AgentPrograms.OrderBy(p => p.Name, StringComparer.Ordinal));
        Assert.Null(registry.FindProgram("echo-pyton"));
    }

    [Fact]
    public void Load_ProcessProgramWithoutDeadline_LeavesItToTheScenario()
    {
        using var files = TempRegistry.With("test/echo", $$"""{ {{Here}}, "agent_programs": { "echo-node": { "command": [ "node", "echo.mjs" ] } } }""");

        Assert.Null(EnvironmentRegistry.Load(files.Path).FindProgram("echo-node")!.Deadline);
    }

    [Theory]
    [InlineData("""{ "p": { "deadline_seconds": 5 } }""", ".agent_programs.p.command: is required")]
    [InlineData("""{ "p": { "command": [] } }""", ".agent_programs.p.command: must not be empty")]
    [InlineData("""{ "p": { "command": [ "python3", "" ] } }""", ".agent_programs.p.command: every item must be a non-empty string")]
    [InlineData("""{ "p": { "command": "python3 agent.py" } }""", ".agent_programs.p.command: expected an array, got the string \"python3 agent.py\"")]
    [InlineData("""{ "p": { "command": [ "python3" ], "deadline_seconds": 0 } }""", ".agent_programs.p.deadline_seconds: must be between 0.001 and 86400 (got 0)")]
    [InlineData("""{ "p": null }""", ".agent_programs.p: expected an object like { \"command\": [\"python3\", \"agent.py\"] }, got null")]
    [InlineData("""{ "Desk Python": { "command": [ "python3" ] } }""", ".agent_programs['Desk Python']: a program name is lower-case letters, digits, '.', '_' or '-', like \"desk-python\"")]
    [InlineData("""[ "python3", "agent.py" ]""", ".agent_programs: expected an object, got an array")]
    public void Load_BadProgram_NamesItsJsonPath(string programs, string expected)
    {
        var problem = Single(programs);

        Assert.Equal(Echo + expected, problem);
    }

    [Fact]
    public void Load_UnknownProgramField_SaysDidYouMean()
    {
        var problem = Single("""{ "p": { "comand": [ "python3", "agent.py" ], "command": [ "python3" ] } }""");

        Assert.Equal($"{Echo}.agent_programs.p.comand: unknown property \"comand\". Did you mean \"command\"?", problem);
    }

    [Fact]
    public void Load_SingularAgentProgram_IsRefusedWithAdvice()
    {
        var problem = Assert.Single(Problems($$"""{ "schema_version": 2, "environments": { "test/echo": { {{Here}}, "agent_program": { "command": [ "python3" ] } } } }"""));

        Assert.StartsWith($"{Echo}.agent_program: unknown property \"agent_program\".", problem);
        Assert.Contains("\"agent_programs\": { \"NAME\": { \"command\": [\"python3\", \"agent.py\"] } }", problem);
    }

    [Fact]
    public void Load_ProcessProgramNamedLikeAnInProcessOne_NamesBoth()
    {
        var problem = Single("""{ "echo-back": { "command": [ "python3", "echo.py" ] } }""");

        Assert.Equal($"{Echo}.agent_programs['echo-back']: the name `echo-back` is taken by the in-process agent program {typeof(EchoProgram).FullName}; " +
            "agent program names are unique across the registry, choose another", problem);
    }

    [Fact]
    public void Load_TwoEntriesDeclaringOneName_NamesTheFirstAtTheSecond()
    {
        var problem = Assert.Single(Problems($$"""
            { "schema_version": 2, "environments": {
                "test/echo": { {{Here}}, "agent_programs": { "say": { "command": [ "python3", "a.py" ] } } },
                "test/unsolved": { "assembly": "Forge.Host.Tests", "agent_programs": { "say": { "command": [ "python3", "b.py" ] } } } } }
            """));

        Assert.Equal("$.environments['test/unsolved'].agent_programs.say: the name `say` is taken by " +
            $"{Echo}.agent_programs.say; agent program names are unique across the registry, choose another", problem);
    }
}
