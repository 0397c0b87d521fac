using Forge.Host.Registry;

namespace Forge.Host.Tests.Registry;

/// <summary>Each kind of problem in environments.json is reported with the file, the JSON path and what is wrong.</summary>
public sealed class RegistryValidationTests
{
    private const string Echo = "$.environments['test/echo']";
    private const string Here = "\"assembly\": \"Forge.Host.Tests\"";
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
        var problem = Single($$"""{ {{Here}}, {{FileTasks}}, "reward_mod": "binary" }""");

        Assert.Equal($"{Echo}.reward_mod: unknown property \"reward_mod\". Did you mean \"reward_mode\"?", problem);
    }

    [Theory]
    [InlineData("version", "\"2\"", "The version is declared once, on the class's [Environment(Version = …)] attribute; remove it here.")]
    [InlineData("solver", "\"X\"", "The solver is declared once, on the class's [Environment(Solver = typeof(…))] attribute; remove it here.")]
    public void Load_WhatTheAttributeSays_IsRefusedWithAdvice(string property, string value, string advice)
    {
        var problem = Single($$"""{ {{Here}}, {{FileTasks}}, "{{property}}": {{value}} }""");

        Assert.Equal($"{Echo}.{property}: unknown property \"{property}\". {advice}", problem);
    }

    [Fact]
    public void Load_NoClassWithTheId_SuggestsADeclaredId()
    {
        var problem = Assert.Single(Problems("test/ecko", $$"""{ {{Here}}, {{FileTasks}} }"""));

        Assert.Equal("$.environments['test/ecko']: no class in assembly 'Forge.Host.Tests' has [Environment(\"test/ecko\")]. Did you mean \"test/echo\"?", problem);
    }

    [Fact]
    public void Load_AssemblyNotFound_NamesTheAssembly()
    {
        var problem = Single($$"""{ "assembly": "No.Such.Assembly", {{FileTasks}} }""");

        Assert.StartsWith($"{Echo}.assembly: assembly 'No.Such.Assembly' not found", problem);
    }

    [Fact]
    public void Load_AssemblyFileMissing_SaysWhereItLooked()
    {
        var problem = Single($$"""{ "assembly": "lib/Acme.Envs.dll", {{FileTasks}} }""");

        Assert.StartsWith($"{Echo}.assembly: assembly file 'lib/Acme.Envs.dll' doesn't exist (looked at ", problem);
    }

    [Fact]
    public void Load_AssemblyAndProject_AsksForOne()
    {
        var problem = Single($$"""{ {{Here}}, "project": "a/A.csproj", {{FileTasks}} }""");

        Assert.Equal($"{Echo}.project: give either \"assembly\" or \"project\", not both", problem);
    }

    [Fact]
    public void Load_AttributeOnANonEnvironment_SaysSo()
    {
        var problem = Assert.Single(Problems("test/not-an-environment", $$"""{ {{Here}}, {{FileTasks}} }"""));

        Assert.StartsWith("$.environments['test/not-an-environment']: Forge.Host.Tests.Registry.Fixtures.NotAnEnvironment has [Environment(\"test/not-an-environment\")] but is not an environment", problem);
    }

    [Fact]
    public void Load_AttributeSolverThatIsNotAnAgent_SaysSo()
    {
        var problem = Assert.Single(Problems("test/bad-solver", $$"""{ {{Here}}, {{FileTasks}} }"""));

        Assert.Equal("$.environments['test/bad-solver']: [Environment(Solver = typeof(EchoTasks))] on BadSolverEnvironment: " +
            "Forge.Host.Tests.Registry.Fixtures.EchoTasks is not an agent (a solver implements Forge.Core.IAgent)", problem);
    }

    [Fact]
    public void Load_NoTasksAnywhere_SaysWhereTheyMayGo()
    {
        var problem = Single($$"""{ {{Here}} }""");

        Assert.StartsWith($"{Echo}: no tasks: add \"tasks\"", problem);
    }

    [Fact]
    public void Load_InvalidId_SaysWhatAnIdLooksLike()
    {
        var problems = Problems("Test Echo", $$"""{ {{Here}}, {{FileTasks}} }""");

        Assert.Contains("$.environments['Test Echo']: an id is lower-case words separated by '/', like \"math/arithmetic\"", problems);
    }

    [Fact]
    public void Load_TaskFileMissing_SaysWhereItLooked()
    {
        var problem = Single($$"""{ {{Here}}, "tasks": { "file": "tasks/nope.jsonl" } }""");

        Assert.StartsWith($"{Echo}.tasks.file: task file 'tasks/nope.jsonl' doesn't exist (looked at ", problem);
    }

    [Fact]
    public void Load_TaskFileWithBadLines_ReportsEachLine()
    {
        var problems = Problems("test/echo", $$"""{ {{Here}}, {{FileTasks}} }""", """
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
        var problem = Single($$"""{ {{Here}}, {{FileTasks}} }""", "// nothing yet\n");

        Assert.Equal($"{Echo}.tasks.file: task file 'tasks/echo.jsonl' has no tasks", problem);
    }

    [Fact]
    public void Load_TasksWithFileAndGenerator_AsksForOne()
    {
        var problem = Single($$"""{ {{Here}}, "tasks": { "file": "tasks/echo.jsonl", "generator": "X" } }""");

        Assert.Equal($"{Echo}.tasks: give either \"file\" or \"generator\", not both", problem);
    }

    [Fact]
    public void Load_GeneratorOfTheWrongTaskType_SaysWhichTypes()
    {
        var problem = Single($$"""{ {{Here}}, "tasks": { "generator": "Forge.Host.Tests.Registry.Fixtures.OtherTasks", "count": 3 } }""");

        Assert.Equal($"{Echo}.tasks.generator: 'Forge.Host.Tests.Registry.Fixtures.OtherTasks' makes OtherTask tasks but EchoEnvironment takes EchoTask tasks", problem);
    }

    [Fact]
    public void Load_GeneratorWithoutCount_AsksForIt()
    {
        var problem = Single($$"""{ {{Here}}, "tasks": { "generator": "Forge.Host.Tests.Registry.Fixtures.EchoTasks" } }""");

        Assert.Equal($"{Echo}.tasks: \"count\" is missing: how many tasks the generator makes by default", problem);
    }

    [Fact]
    public void Load_InvalidLimits_ReportsEachLimitWithTheOptionsTypesRange()
    {
        var problems = Problems("test/echo", $$"""{ {{Here}}, {{FileTasks}}, "limits": { "max_turns": 0, "tool_timeout_s": -1, "episode_timeout_s": "long", "max_turn": 3 } }""");

        Assert.Equal(
        [
            $"{Echo}.limits.episode_timeout_s: expected a number of seconds, got the string \"long\"",
            $"{Echo}.limits.max_turn: unknown property \"max_turn\". Did you mean \"max_turns\"?",
            $"{Echo}.limits.max_turns: must be between 1 and 10000 (got 0)",
            $"{Echo}.limits.tool_timeout_s: must be greater than 0 and at most 86400 s (got -1)",
        ], problems);
    }

    [Fact]
    public void Load_UnknownRewardMode_SaysDidYouMean()
    {
        var problem = Single($$"""{ {{Here}}, {{FileTasks}}, "reward_mode": "binarry" }""");

        Assert.Equal($"{Echo}.reward_mode: \"binarry\" is not one of \"graded\", \"binary\". Did you mean \"binary\"?", problem);
    }

    [Fact]
    public void Load_SeveralProblems_ReportsThemAllAtOnce()
    {
        using var files = new TempRegistry($$"""
            {
              "schema_version": 2,
              "environmnts": {},
              "environments": {
                "test/echo": { {{Here}}, {{FileTasks}}, "reward_mode": "fuzzy" },
                "test/broken": { {{Here}}, "tasks": { "file": "missing.jsonl" } }
              }
            }
            """);

        var error = Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path));

        Assert.Equal(3, error.Problems.Count);
        Assert.Equal(string.Join(Environment.NewLine, error.Problems), error.Message);
        Assert.Contains(error.Problems, p => p.EndsWith("$.environmnts: unknown property \"environmnts\". Did you mean \"environments\"?", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains($"{Echo}.reward_mode:", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("$.environments['test/broken']: no class in assembly 'Forge.Host.Tests' has [Environment(\"test/broken\")]", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_NotJson_ReportsTheLine()
    {
        using var files = new TempRegistry("{\n  \"schema_version\": 2,\n  \"environments\": { \"a\": }\n}");

        var problem = Assert.Single(Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path)).Problems);

        Assert.StartsWith($"{files.Path}: $: line 3, column", problem);
        Assert.Contains("not valid JSON", problem);
    }

    [Theory]
    [InlineData("""{ "environments": {} }""", "$.schema_version: is required")]
    [InlineData("""{ "schema_version": 3, "environments": {} }""", "$.schema_version: version 3 is newer than this forge understands (2); update forge")]
    [InlineData("""{ "schema_version": 2 }""", "$.environments: is required")]
    [InlineData("""{ "schema_version": 2, "environments": [] }""", "$.environments: expected an object, got an array")]
    [InlineData("""[]""", "$: expected an object, got an array")]
    public void Load_BadTopLevel_SaysWhatIsExpected(string json, string expected)
    {
        using var files = new TempRegistry(json);

        var problem = Assert.Single(Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path)).Problems);

        Assert.Equal($"{files.Path}: {expected}", problem);
    }

    [Fact]
    public void Load_VersionOneRegistry_SaysWhatChanged()
    {
        using var files = new TempRegistry("""{ "schema_version": 1, "environments": { "test/echo": { "type": "X", "version": "1" } } }""");

        var problem = Assert.Single(Assert.Throws<RegistryException>(() => EnvironmentRegistry.Load(files.Path)).Problems);

        Assert.StartsWith($"{files.Path}: $.schema_version: version 1 is not supported; in version 2 an entry keeps only deployment settings", problem);
    }
}
