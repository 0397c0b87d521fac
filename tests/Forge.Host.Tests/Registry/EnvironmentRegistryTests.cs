using Forge.Core;
using Forge.Host.Registry;
using Forge.Host.Tests.Registry.Fixtures;

namespace Forge.Host.Tests.Registry;

public sealed class EnvironmentRegistryTests
{
    private const string EchoPath = "$.environments['test/echo']";

    [Fact]
    public void Load_ValidFile_ReadsTheEntry()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);

        var registry = EnvironmentRegistry.Load(files.Path);

        var echo = Assert.Single(registry.Environments);
        Assert.Equal("test/echo", echo.Id);
        Assert.Equal("2", echo.Version);
        Assert.Equal("Say the word back.", echo.Description);
        Assert.Equal(typeof(EchoEnvironment), echo.EnvironmentType);
        Assert.Equal(typeof(EchoTask), echo.TaskType);
        Assert.Equal(3, echo.TaskCount);
        Assert.Equal("tasks/echo.jsonl", echo.TaskSource);
        Assert.Equal(EpisodeLimits.Default, echo.Limits);
        Assert.Equal(RewardMode.Graded, echo.RewardMode);
        Assert.Equal(files.Path, registry.Path);
    }

    [Fact]
    public void Load_LimitsAndRewardMode_OverrideTheDefaults()
    {
        using var files = TempRegistry.With("test/echo", """
            {
              "assembly": "Forge.Host.Tests", "tasks": { "file": "tasks/echo.jsonl" },
              "limits": { "max_turns": 3, "turn_timeout_s": 1.5, "step_timeout_s": 2, "tool_timeout_s": 0.25, "episode_timeout_s": 60, "max_action_chars": 100 },
              "reward_mode": "binary"
            }
            """);

        var echo = EnvironmentRegistry.Load(files.Path).Get("test/echo");

        Assert.Equal("Say the word back.", echo.Description);
        Assert.Equal(RewardMode.Binary, echo.RewardMode);
        Assert.Equal(new EpisodeLimits
        {
            MaxTurns = 3, TurnTimeout = TimeSpan.FromSeconds(1.5), StepTimeout = TimeSpan.FromSeconds(2), ToolTimeout = TimeSpan.FromSeconds(0.25),
            EpisodeTimeout = TimeSpan.FromSeconds(60), MaxActionChars = 100,
        }, echo.Limits);
    }

    [Fact]
    public void Load_CommentsAndTrailingCommas_AreAccepted()
    {
        using var files = new TempRegistry("""
            // the registry
            { "schema_version": 2, "environments": { }, }
            """);

        Assert.Empty(EnvironmentRegistry.Load(files.Path).Environments);
    }

    [Fact]
    public void Tasks_FromFile_ReturnsTheFirstCountInFileOrder()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var echo = EnvironmentRegistry.Load(files.Path).Get("test/echo");

        Assert.Equal(["a", "b", "c"], echo.Tasks(seed: 0).Select(t => t.Id));
        Assert.Equal(["a", "b"], echo.Tasks(seed: 9, count: 2).Select(t => t.Id));
        Assert.Equal("river", ((EchoTask)echo.FindTask("b")!).Word);
        Assert.Null(echo.FindTask("zzz"));
        Assert.Throws<ArgumentOutOfRangeException>(() => echo.Tasks(0, -1));
    }

    [Fact]
    public void Tasks_FromGenerator_DependOnTheSeedOnly()
    {
        using var files = TempRegistry.With("test/echo", """
            { "assembly": "Forge.Host.Tests", "tasks": { "generator": "Forge.Host.Tests.Registry.Fixtures.EchoTasks", "count": 50 } }
            """);
        var echo = EnvironmentRegistry.Load(files.Path).Get("test/echo");

        var first = echo.Tasks(seed: 1);
        var again = echo.Tasks(seed: 1);
        var other = echo.Tasks(seed: 2, count: 5);

        Assert.Equal(50, echo.TaskCount);
        Assert.Equal(50, first.Count);
        Assert.Equal(first, again);
        Assert.Equal(5, other.Count);
        Assert.NotEqual(first.Take(5), other);
        Assert.Equal("EchoTasks (50)", echo.TaskSource);
    }

    [Fact]
    public void Create_ReturnsAFreshInstanceEachTime()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var echo = EnvironmentRegistry.Load(files.Path).Get("test/echo");

        var a = echo.Create();
        var b = echo.Create();

        Assert.IsType<EchoEnvironment>(a);
        Assert.NotSame(a, b);
        Assert.IsType<EchoSolver>(echo.CreateSolver());
    }

    [Fact]
    public void CreateSolver_NoneDeclared_ReturnsNull()
    {
        using var files = TempRegistry.With("test/unsolved", """
            { "assembly": "Forge.Host.Tests", "tasks": { "file": "tasks/echo.jsonl" } }
            """);

        Assert.Null(EnvironmentRegistry.Load(files.Path).Get("test/unsolved").CreateSolver());
    }

    [Fact]
    public void Get_MisspeltId_SuggestsTheClosest()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var registry = EnvironmentRegistry.Load(files.Path);

        var prefix = Assert.Throws<KeyNotFoundException>(() => registry.Get("test/ech"));
        var typo = Assert.Throws<KeyNotFoundException>(() => registry.Get("test/ecko"));
        var unrelated = Assert.Throws<KeyNotFoundException>(() => registry.Get("math/arithmetic"));

        Assert.Equal("Environment `test/ech` doesn't exist. Did you mean `test/echo`?", prefix.Message);
        Assert.Equal("Environment `test/ecko` doesn't exist. Did you mean `test/echo`?", typo.Message);
        Assert.DoesNotContain("Did you mean", unrelated.Message);
        Assert.Contains("Known: test/echo.", unrelated.Message);
    }

    [Fact]
    public void Get_NameWithoutFamily_FindsTheOnlyEntryEndingWithIt()
    {
        using var files = TempRegistry.With("test/echo", TempRegistry.EchoEntry);
        var registry = EnvironmentRegistry.Load(files.Path);

        Assert.Equal("test/echo", registry.Get("echo").Id);
        Assert.Contains("Did you mean `test/echo`?", Assert.Throws<KeyNotFoundException>(() => registry.Get("ecko")).Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), $"forge-missing-{Guid.NewGuid():N}", "environments.json");

        var error = Assert.Throws<FileNotFoundException>(() => EnvironmentRegistry.Load(path));

        Assert.Contains("environments.json: the environment registry doesn't exist", error.Message);
    }
}

public sealed class DefaultPathTests
{
    [Fact]
    public void ResolveDefaultPath_WorkingDirectoryHasARegistry_PrefersIt()
    {
        using var files = new TempRegistry("""{ "schema_version": 2, "environments": {} }""");

        Assert.Equal(files.Path, EnvironmentRegistry.ResolveDefaultPath(files.Folder, "/opt/forge"));
    }

    [Fact]
    public void ResolveDefaultPath_WorkingDirectoryWithoutOne_UsesTheApplicationFolder()
    {
        var empty = Directory.CreateTempSubdirectory("forge-no-registry-").FullName;
        try
        {
            Assert.Equal(Path.Combine("/opt/forge", "environments.json"), EnvironmentRegistry.ResolveDefaultPath(empty, "/opt/forge"));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
