using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Sandbox;

/// <summary><c>forge sandbox run</c> and <c>forge sandbox doctor</c> as a user runs them. The local sandbox must work here (scripts/install-sandbox-deps).</summary>
public sealed class SandboxCommandsTests
{
    private static Task<(int ExitCode, string Stdout, string Stderr)> Forge(params string[] args) =>
        ForgeProcess.RunAsync(ForgeProcess.RepositoryRoot, args);

    [Fact]
    public async Task Run_Json_ReportsTheResultFields()
    {
        var (exit, stdout, stderr) = await Forge("sandbox", "run", "--json", "--", "python3", "-c", "import os; print(os.getuid() != 0); raise SystemExit(3)");
        Assert.True(exit == 3, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(3, json.GetProperty("exit_code").GetInt32());
        Assert.Equal("True\n", json.GetProperty("stdout").GetString());
        Assert.Equal("none", json.GetProperty("limit").GetString());
        Assert.False(json.GetProperty("truncated").GetBoolean());
        Assert.True(json.GetProperty("duration_ms").GetDouble() > 0);
    }

    [Fact]
    public async Task Run_Deadline_IsReportedAsTheLimit()
    {
        var (_, stdout, _) = await Forge("sandbox", "run", "--json", "--timeout", "1", "--", "sh", "-c", "while :; do :; done");
        Assert.Equal("deadline", JsonDocument.Parse(stdout).RootElement.GetProperty("limit").GetString());
    }

    [Fact]
    public async Task Run_Plain_PrintsOutputAndASummaryLine()
    {
        var (exit, stdout, stderr) = await Forge("sandbox", "run", "--", "sh", "-c", "echo out; echo err >&2");
        Assert.Equal(0, exit);
        Assert.Equal("out\n", stdout);
        Assert.Contains("err\n", stderr);
        Assert.Contains("forge: exit 0 after", stderr);
    }

    [Fact]
    public async Task Run_NoCommand_IsBadInput()
    {
        var (exit, _, stderr) = await Forge("sandbox", "run");
        Assert.Equal(2, exit);
        Assert.Contains("name the command after --", stderr);
    }

    [Fact]
    public async Task Doctor_Json_DescribesEveryBackend()
    {
        var (exit, stdout, stderr) = await Forge("sandbox", "doctor", "--json");
        Assert.True(exit == 0, stderr + stdout);
        var backends = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        var local = backends.Single(b => b.GetProperty("backend").GetString() == "local");
        Assert.True(local.GetProperty("isolated").GetBoolean());
        Assert.Contains(local.GetProperty("in_effect").EnumerateArray(), l => l.GetString()!.StartsWith("namespaces:", StringComparison.Ordinal));
        Assert.Contains(backends, b => b.GetProperty("backend").GetString() == "docker");
    }
}
