using Forge.Host.Checking;
using Forge.Host.Registry;
using Forge.Host.Tests.Registry;

namespace Forge.Host.Tests.Checking;

/// <summary>The <c>agent-programs</c> check: the programs registered for an environment's tasks can start.</summary>
public sealed class AgentProgramsCheckTests
{
    private const string Here = "\"assembly\": \"Forge.Host.Tests\", \"tasks\": { \"file\": \"tasks/echo.jsonl\" }";

    private static async Task<CheckResult> CheckAsync(string programs, Action<TempRegistry>? prepare = null)
    {
        using var files = TempRegistry.With("test/echo", $$"""{ {{Here}}, "agent_programs": {{programs}} }""");
        prepare?.Invoke(files);
        var report = await EnvironmentChecker.CheckAsync(EnvironmentRegistry.Load(files.Path).Get("test/echo"), new CheckOptions { Seeds = [0], Episodes = 1 });
        return report[CheckNames.AgentPrograms];
    }

    [Fact]
    public async Task Check_ProgramsThatCanStart_Passes()
    {
        var check = await CheckAsync("""{ "echo-python": { "command": [ "sh", "programs/echo.sh", "--url=http://x/y" ] } }""",
            files => files.Write("programs/echo.sh", "cat\n"));

        Assert.Equal(CheckStatus.Passed, check.Status);
        Assert.Equal("`echo-back` in process (EchoProgram); `echo-python` runs sh programs/echo.sh --url=http://x/y", check.Message);
    }

    [Fact]
    public async Task Check_MissingScript_FailsNamingTheArgumentAndFolder()
    {
        var check = await CheckAsync("""{ "echo-python": { "command": [ "sh", "programs/missing.sh" ] } }""");

        Assert.Equal(CheckStatus.Failed, check.Status);
        Assert.Matches(@"^agent program `echo-python`: the argument 'programs/missing\.sh' names no file in /.+$", check.Message);
    }

    [Fact]
    public async Task Check_UnknownExecutable_FailsNamingIt()
    {
        var check = await CheckAsync("""{ "echo-python": { "command": [ "no-such-interpreter-7", "echo.py" ] } }""");

        Assert.Equal(CheckStatus.Failed, check.Status);
        Assert.StartsWith("agent program `echo-python`: `no-such-interpreter-7` is neither a file in ", check.Message);
        Assert.EndsWith(" nor a program on PATH", check.Message);
    }

    [Fact]
    public async Task Check_NoPrograms_IsSkipped()
    {
        using var files = TempRegistry.With("test/unsolved", "{ \"assembly\": \"Forge.Host.Tests\" }");
        var report = await EnvironmentChecker.CheckAsync(EnvironmentRegistry.Load(files.Path).Get("test/unsolved"), new CheckOptions { Seeds = [0], Episodes = 1 });

        Assert.Equal(CheckStatus.Skipped, report[CheckNames.AgentPrograms].Status);
    }
}
