using Forge.Host.Registry;

namespace Forge.Host.Tests.Registry;

/// <summary>Each kind of problem in environments.json is reported with the file, the JSON path and what is wrong.</summary>
public sealed class RegistryValidationTests
{
    private const string Echo = "$.environments['test/echo']";
    private const string EchoType = "\"type\": \"Forge.Host.Tests.Registry.Fixtures.EchoEnvironment\", \"assembly\": \"Forge.Host.Tests\"";
    private const string FileTasks = "\"tasks\": { \"file\": \"tasks/echo.jsonl\" }";

    private static IReadOnlyList<string> Problems(string id, string entry, string? tasks = TempRegistry.EchoTasks)
    {
        using var files = TempRegistry.With(id, entry, tasks);
        var error = Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path));
        Assert.All(error.Problems, p => Assert.StartsWith(files.Path, p));
        return error.Problems.Select(p => p[(files.Path.Length + 2)..]).ToList();
    }

    private static string Single(string entry, string? tasks = TempRegistry.EchoTasks) => Assert.Single(Problems("test/echo", entry, tasks));

    [Fact]
    public void Load_UnknownProperty_SaysDidYouMean()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", {{FileTasks}}, "reward_mod": "binary" }""");

        Assert.Equal($"{Echo}.reward_mod: unknown property \"reward_mod\". Did you mean \"reward_mode\"?", problem);
    }

    [Fact]
    public void Load_MissingType_NamesTheEntry()
    {
        var problem = Single($$"""{ "assembly": "Forge.Host.Tests", "version": "2", {{FileTasks}} }""");

        Assert.Equal($"{Echo}: \"type\" is missing", problem);
    }

    [Fact]
    public void Load_TypeNotFound_SuggestsAnEnvironmentType()
    {
        var problem = Single($$"""{ "type": "Forge.Host.Tests.Registry.Fixtures.EchoEnviroment", "assembly": "Forge.Host.Tests", "version": "2", {{FileTasks}} }""");

        Assert.Equal($"{Echo}.type: type 'Forge.Host.Tests.Registry.Fixtures.EchoEnviroment' not found in assembly 'Forge.Host.Tests'. " +
            "Did you mean 'Forge.Host.Tests.Registry.Fixtures.EchoEnvironment'?", problem);
    }

    [Fact]
    public void Load_AssemblyNotFound_NamesTheAssembly()
    {
        var problem = Single($$"""{ "type": "X.Y", "assembly": "No.Such.Assembly", "version": "2", {{FileTasks}} }""");

        Assert.StartsWith($"{Echo}.assembly: assembly 'No.Such.Assembly' not found", problem);
    }

    [Fact]
    public void Load_TypeIsNotAnEnvironment_SaysSo()
    {
        var problem = Single($$"""{ "type": "Forge.Host.Tests.Registry.Fixtures.NotAnEnvironment", "assembly": "Forge.Host.Tests", "version": "2", {{FileTasks}} }""");

        Assert.StartsWith($"{Echo}.type: type 'Forge.Host.Tests.Registry.Fixtures.NotAnEnvironment' is not an environment", problem);
    }

    [Fact]
    public void Load_TypeWithoutAttribute_SaysWhichAttributeToAdd()
    {
        var problem = Single($$"""{ "type": "Forge.Host.Tests.Registry.Fixtures.UnnamedEnvironment", "assembly": "Forge.Host.Tests", "version": "1", {{FileTasks}} }""");

        Assert.Equal($"{Echo}.type: type 'Forge.Host.Tests.Registry.Fixtures.UnnamedEnvironment' has no [Environment(\"test/echo\")] attribute", problem);
    }

    [Fact]
    public void Load_VersionDiffersFromTheAttribute_SaysBoth()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "1", {{FileTasks}} }""");

        Assert.Equal($"{Echo}.version: \"1\" doesn't match the class's [Environment(Version = \"2\")]; make them equal", problem);
    }

    [Fact]
    public void Load_IdDiffersFromTheAttribute_SaysBoth()
    {
        var problem = Assert.Single(Problems("test/other", $$"""{ {{EchoType}}, "version": "2", {{FileTasks}} }"""));

        Assert.Equal("$.environments['test/other'].type: the class says [Environment(\"test/echo\")] but is registered as 'test/other'; make them equal", problem);
    }

    [Fact]
    public void Load_InvalidId_SaysWhatAnIdLooksLike()
    {
        var problems = Problems("Test Echo", $$"""{ {{EchoType}}, "version": "2", {{FileTasks}} }""");

        Assert.Contains("$.environments['Test Echo']: an id is lower-case words separated by '/', like \"math/arithmetic\"", problems);
    }

    [Fact]
    public void Load_TaskFileMissing_SaysWhereItLooked()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", "tasks": { "file": "tasks/nope.jsonl" } }""");

        Assert.StartsWith($"{Echo}.tasks.file: task file 'tasks/nope.jsonl' doesn't exist (looked at ", problem);
    }

    [Fact]
    public void Load_TaskFileWithBadLines_ReportsEachLine()
    {
        var problems = Problems("test/echo", $$"""{ {{EchoType}}, "version": "2", {{FileTasks}} }""", """
            {"id": "a", "word": "apple"}
            {"id": "a", "word": "again"}
            {"id": "b"
            {"word": "no id"}
            """);

        Assert.Equal(3, problems.Count);
        Assert.All(problems, p => Assert.StartsWith($"{Echo}.tasks.file: ", p));
        Assert.Contains(problems, p => p.Contains("echo.jsonl:2: the id 'a' is used twice", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("echo.jsonl:3: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("echo.jsonl:4: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_EmptyTaskFile_SaysItHasNoTasks()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", {{FileTasks}} }""", "// nothing yet\n");

        Assert.Equal($"{Echo}.tasks.file: task file 'tasks/echo.jsonl' has no tasks", problem);
    }

    [Fact]
    public void Load_TasksWithFileAndGenerator_AsksForOne()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", "tasks": { "file": "tasks/echo.jsonl", "generator": "X" } }""");

        Assert.Equal($"{Echo}.tasks: give either \"file\" or \"generator\", not both", problem);
    }

    [Fact]
    public void Load_GeneratorOfTheWrongTaskType_SaysWhichTypes()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", "tasks": { "generator": "Forge.Host.Tests.Registry.Fixtures.OtherTasks", "count": 3 } }""");

        Assert.Equal($"{Echo}.tasks.generator: 'Forge.Host.Tests.Registry.Fixtures.OtherTasks' makes OtherTask tasks but EchoEnvironment takes EchoTask tasks", problem);
    }

    [Fact]
    public void Load_GeneratorWithoutCount_AsksForIt()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", "tasks": { "generator": "Forge.Host.Tests.Registry.Fixtures.EchoTasks" } }""");

        Assert.Equal($"{Echo}.tasks: \"count\" is missing: how many tasks the generator makes by default", problem);
    }

    [Fact]
    public void Load_SolverThatIsNotAnAgent_SaysSo()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", {{FileTasks}}, "solver": "Forge.Host.Tests.Registry.Fixtures.EchoTasks" }""");

        Assert.Equal($"{Echo}.solver: type 'Forge.Host.Tests.Registry.Fixtures.EchoTasks' is not an agent: a solver implements Forge.Core.IAgent", problem);
    }

    [Fact]
    public void Load_InvalidLimits_ReportsEachLimit()
    {
        var problems = Problems("test/echo", $$"""{ {{EchoType}}, "version": "2", {{FileTasks}}, "limits": { "max_turns": 0, "tool_timeout_s": -1, "episode_timeout_s": "long", "max_turn": 3 } }""");

        Assert.Equal(4, problems.Count);
        Assert.Contains($"{Echo}.limits.max_turn: unknown property \"max_turn\". Did you mean \"max_turns\"?", problems);
        Assert.Contains($"{Echo}.limits.episode_timeout_s: expected a number of seconds, got the string \"long\"", problems);
        Assert.Contains($"{Echo}.limits.max_turns: max_turns must be at least 1 (got 0)", problems);
        Assert.Contains(problems, p => p.StartsWith($"{Echo}.limits.tool_timeout_s: tool_timeout_s must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_UnknownRewardMode_SaysDidYouMean()
    {
        var problem = Single($$"""{ {{EchoType}}, "version": "2", {{FileTasks}}, "reward_mode": "binarry" }""");

        Assert.Equal($"{Echo}.reward_mode: unknown reward mode \"binarry\"; use \"graded\" or \"binary\". Did you mean \"binary\"?", problem);
    }

    [Fact]
    public void Load_SeveralProblems_ReportsThemAllAtOnce()
    {
        using var files = new TempRegistry($$"""
            {
              "schema_version": 1,
              "environmnts": {},
              "environments": {
                "test/echo": { {{EchoType}}, "version": "3", {{FileTasks}}, "reward_mode": "fuzzy" },
                "test/broken": { "type": "Nope", "assembly": "Forge.Host.Tests", "version": "1", "tasks": { "file": "missing.jsonl" } }
              }
            }
            """);

        var error = Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path));

        Assert.Equal(5, error.Problems.Count);
        Assert.Equal(string.Join(Environment.NewLine, error.Problems), error.Message);
        Assert.Contains(error.Problems, p => p.EndsWith("$.environmnts: unknown property \"environmnts\". Did you mean \"environments\"?", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains($"{Echo}.version:", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains($"{Echo}.reward_mode:", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("$.environments['test/broken'].type: type 'Nope' not found", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("$.environments['test/broken'].tasks.file: task file 'missing.jsonl' doesn't exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NotJson_ReportsTheLine()
    {
        using var files = new TempRegistry("{\n  \"schema_version\": 1,\n  \"environments\": { \"a\": }\n}");

        var problem = Assert.Single(Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path)).Problems);

        Assert.StartsWith($"{files.Path}:3: not valid JSON: ", problem);
    }

    [Theory]
    [InlineData("""{ "environments": {} }""", "$: \"schema_version\" is missing; add \"schema_version\": 1")]
    [InlineData("""{ "schema_version": 2, "environments": {} }""", "$.schema_version: version 2 is newer than this forge understands (1); update forge")]
    [InlineData("""{ "schema_version": 1 }""", "$: \"environments\" is missing; add \"environments\": { }")]
    [InlineData("""{ "schema_version": 1, "environments": [] }""", "$.environments: expected an object mapping ids to entries, got an array")]
    [InlineData("""[]""", "$: expected an object with \"schema_version\" and \"environments\", got an array")]
    public void Load_BadTopLevel_SaysWhatIsExpected(string json, string expected)
    {
        using var files = new TempRegistry(json);

        var problem = Assert.Single(Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path)).Problems);

        Assert.Equal($"{files.Path}: {expected}", problem);
    }
}
