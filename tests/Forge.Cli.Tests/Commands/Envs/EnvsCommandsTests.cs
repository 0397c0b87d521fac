using System.Text.Json;
using Forge.Cli.Commands.Envs;
using Forge.Host.Registry;

namespace Forge.Cli.Tests.Commands.Envs;

public sealed class EnvsCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-envs-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The registry installed next to forge (and so next to these tests): what forge reads outside a repository.</summary>
    private static string InstalledRegistry => Path.Combine(AppContext.BaseDirectory, EnvironmentRegistry.FileName);

    private string DriftingRegistry()
    {
        File.WriteAllText(Path.Combine(_dir, "tasks.jsonl"), "{\"id\": \"one\"}\n");
        var path = Path.Combine(_dir, "environments.json");
        File.WriteAllText(path, """
            { "schema_version": 2, "environments": { "test/drifting": {
                "assembly": "Forge.Cli.Tests", "tasks": { "file": "tasks.jsonl" } } } }
            """);
        return path;
    }

    [Fact]
    public void InstalledRegistry_NextToForge_LoadsWithItsTaskFiles()
    {
        var registry = EnvironmentRegistry.Load(InstalledRegistry);

        Assert.All(registry.Environments.Where(e => e.TaskSource.EndsWith(".jsonl", StringComparison.Ordinal)),
            e => Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, e.TaskSource)), e.TaskSource));
        Assert.All(registry.Environments, e => Assert.NotEmpty(e.Tasks(seed: 0, count: 1)));
    }

    [Fact]
    public async Task List_Json_DescribesEveryEnvironment()
    {
        var exit = await EnvsListCommand.RunAsync(new EnvsListCommand.Settings { Registry = InstalledRegistry, Json = true }, _out, CancellationToken.None);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(_out.ToString());
        var environments = json.RootElement.GetProperty("environments").EnumerateArray().ToList();
        Assert.Equal(EnvironmentRegistry.Load(InstalledRegistry).Environments.Select(e => e.Id), environments.Select(e => e.GetProperty("id").GetString()));
        Assert.All(environments, e =>
        {
            Assert.True(e.GetProperty("tasks").GetProperty("count").GetInt32() > 0);
            Assert.True(e.GetProperty("limits").GetProperty("max_turns").GetInt32() > 0);
            Assert.NotEmpty(e.GetProperty("version").GetString()!);
            Assert.Equal(JsonValueKind.Array, e.GetProperty("tools").ValueKind);
        });
    }

    [Fact]
    public async Task List_Json_ShowsTheAgentProgramsOfEachEnvironment()
    {
        var exit = await EnvsListCommand.RunAsync(new EnvsListCommand.Settings { Registry = InstalledRegistry, Json = true }, _out, CancellationToken.None);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(_out.ToString());
        var desk = json.RootElement.GetProperty("environments").EnumerateArray().Single(e => e.GetProperty("id").GetString() == "support/desk");
        var programs = desk.GetProperty("agent_programs").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal("in-process", programs["support-desk"].GetProperty("kind").GetString());
        Assert.Equal("Forge.Environments.SupportDesk.SupportDeskProgram", programs["support-desk"].GetProperty("type").GetString());
        var python = programs["desk-python"];
        Assert.Equal("process", python.GetProperty("kind").GetString());
        Assert.Equal(["python3", "environments/SupportDesk/programs/support_desk_agent.py"], python.GetProperty("command").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(120, python.GetProperty("deadline_s").GetDouble());
        // The installed registry's program runs beside it, where the build copied the script.
        var folder = python.GetProperty("working_directory").GetString()!;
        Assert.Equal(Path.GetFullPath(AppContext.BaseDirectory).TrimEnd('/'), folder.TrimEnd('/'));
        Assert.True(File.Exists(Path.Combine(folder, "environments/SupportDesk/programs/support_desk_agent.py")));
    }

    [Fact]
    public async Task List_Table_ShowsTheAgentPrograms()
    {
        await EnvsListCommand.RunAsync(new EnvsListCommand.Settings { Registry = InstalledRegistry }, _out, CancellationToken.None, width: 300);

        Assert.Matches(@"support/desk\s*│.*│ support-desk \(in process\), desk-python \(process\)\s*│", _out.ToString());
    }

    [Fact]
    public async Task List_Table_ShowsIdsAndToolsAndTheRegistry()
    {
        var path = DriftingRegistry();

        await EnvsListCommand.RunAsync(new EnvsListCommand.Settings { Registry = path }, _out, CancellationToken.None, width: 200);

        var text = _out.ToString();
        Assert.Matches(@"test/drifting\s*│ 1\s*│ 1\s*│ -\s*│ 8 turns, 120 s", text);
        Assert.Contains($"1 environment from {path}", text);
    }

    [Fact]
    public async Task Check_PassingEnvironment_PrintsEveryCheckAndExitsZero()
    {
        var shipped = EnvironmentRegistry.Load(InstalledRegistry).Environments.First(e => !e.RequiresSandbox && e.SolverType is not null);
        var exit = await EnvsCheckCommand.RunAsync(new EnvsCheckCommand.Settings { Registry = InstalledRegistry, Id = shipped.Id, Seeds = "0", Episodes = 1 },
            _out, _err, CancellationToken.None, width: 200);

        Assert.Equal(0, exit);
        Assert.Contains($"{shipped.Id} v{shipped.Version} passes: ", _out.ToString());
        Assert.Matches(@"determinism\s*│ passed", _out.ToString());
        Assert.Contains($"checking {shipped.Id}", _err.ToString());
    }

    [Fact]
    public async Task Check_FailingEnvironment_ReportsTheCheckAndExitsOne()
    {
        var exit = await EnvsCheckCommand.RunAsync(new EnvsCheckCommand.Settings { Registry = DriftingRegistry(), Id = "drifting", Json = true, Seeds = "3", Episodes = 1 },
            _out, _err, CancellationToken.None);

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(_out.ToString());
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        var determinism = json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "determinism");
        Assert.Equal("failed", determinism.GetProperty("status").GetString());
        Assert.Contains("two runs on fresh instances differ", determinism.GetProperty("message").GetString());
        Assert.Equal("", _err.ToString());
    }

    [Fact]
    public async Task Check_UnknownId_ThrowsWithDidYouMean()
    {
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => EnvsCheckCommand.RunAsync(
            new EnvsCheckCommand.Settings { Registry = DriftingRegistry(), Id = "test/drifing" }, _out, _err, CancellationToken.None));

        Assert.Equal("Environment `test/drifing` doesn't exist. Did you mean `test/drifting`?", error.Message);
    }

    [Fact]
    public async Task Check_BrokenRegistry_ThrowsNamingTheFileAndPath()
    {
        var path = DriftingRegistry();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"tasks\"", "\"taks\"", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<RegistryException>(() => EnvsCheckCommand.RunAsync(
            new EnvsCheckCommand.Settings { Registry = path, Id = "test/drifting" }, _out, _err, CancellationToken.None));

        Assert.Contains(error.Problems, p => p == $"{path}: $.environments['test/drifting'].taks: unknown property \"taks\". Did you mean \"tasks\"?");
    }

    [Fact]
    public async Task Check_RedTeamOnAShippedEnvironment_PassesWithJson()
    {
        var code = await EnvsCheckCommand.RunAsync(new EnvsCheckCommand.Settings { Registry = InstalledRegistry, Id = "game/vault", RedTeam = true, Tasks = 50, Json = true },
            _out, _err, CancellationToken.None);

        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(_out.ToString());
        Assert.True(report.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal(50, report.RootElement.GetProperty("tasks").GetInt32());
        Assert.Contains("red-team/wrong-content", report.RootElement.GetProperty("adversaries").EnumerateArray().Select(a => a.GetString()));
        Assert.Empty(report.RootElement.GetProperty("findings").EnumerateArray());
    }

    [Fact]
    public async Task Check_RedTeamThatFindsSomething_ExitsOne()
    {
        var path = DriftingRegistry();
        File.WriteAllText(path, File.ReadAllText(path).Replace("test/drifting", "test/gullible", StringComparison.Ordinal));
        var code = await EnvsCheckCommand.RunAsync(new EnvsCheckCommand.Settings { Registry = path, Id = "test/gullible", RedTeam = true, Json = true }, _out, _err, CancellationToken.None);

        Assert.Equal(1, code);
        using var report = JsonDocument.Parse(_out.ToString());
        Assert.False(report.RootElement.GetProperty("passed").GetBoolean());
        Assert.Contains(report.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("agent").GetString() == "red-team/do-nothing");
    }

    [Theory]
    [InlineData("0,x", null, "--seeds: 'x' is not an integer")]
    [InlineData(null, 0, "episodes must be at least 1")]
    public async Task Check_BadOptions_ThrowArgumentException(string? seeds, int? episodes, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => EnvsCheckCommand.RunAsync(
            new EnvsCheckCommand.Settings { Registry = DriftingRegistry(), Id = "test/drifting", Seeds = seeds, Episodes = episodes }, _out, _err, CancellationToken.None));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void New_Twice_RefusesTheSecondTimeWithExitTwo()
    {
        var root = RepositoryLike();

        var first = EnvsNewCommand.Run(new EnvsNewCommand.Settings { Name = "word-game" }, root, _out, _err);
        var second = EnvsNewCommand.Run(new EnvsNewCommand.Settings { Name = "word-game" }, root, _out, _err);

        Assert.Equal(0, first);
        Assert.Contains("Created custom/word-game:", _out.ToString());
        Assert.Contains("environments/WordGame/WordGameEnvironment.cs", _out.ToString());
        Assert.Contains("./forge envs check custom/word-game", _out.ToString());
        Assert.Equal(2, second);
        Assert.StartsWith("forge: environments/WordGame/WordGameEnvironment.cs, ", _err.ToString());
    }

    private string RepositoryLike()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "environments"));
        File.WriteAllText(Path.Combine(_dir, "environments", "Forge.Environments.csproj"), "<Project />");
        return _dir;
    }
}
