using System.Diagnostics;
using System.Text.Json;
using Forge.Cli.Commands.Trajectories;

namespace Forge.Cli.Tests.Commands.Trajectories;

public sealed class TrajectoryCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-trajectories-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sample()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "TestData", "trajectories", "v1.forge");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("tests/TestData/trajectories/v1.forge not found.");
    }

    /// <summary>A copy of the sample cut 20 bytes into its last record (at offset 3622).</summary>
    private string TornSample()
    {
        var path = Path.Combine(_dir, "torn.forge");
        File.WriteAllBytes(path, File.ReadAllBytes(Sample()).AsSpan(0, 3642).ToArray());
        return path;
    }

    [Fact]
    public void Inspect_SampleFile_PrintsStatsPerEnvironmentTerminationsErrorsAndTimings()
    {
        var exit = InspectCommand.Run(new InspectCommand.Settings { File = Sample() }, _out, _err, width: 120);

        var text = _out.ToString();
        Assert.Equal(0, exit);
        Assert.Equal("", _err.ToString());
        Assert.Contains("format 1, 4 episodes, 6 steps", text);
        Assert.Matches(@"math/arithmetic\s*│ 1\s*│ 2\s*│ 0\.5 ± 0\.5\s*│ 0\.\.1\s*│ 50%", text);
        Assert.Matches(@"support/desk\s*│ 2\s*│ 1\s*│ 0\.25 ± 0\s*│", text);
        Assert.Contains("Terminations: terminated 2, errored 1, truncated 1 (truncated by: max_turns 1)", text);
        Assert.Contains("Errors: environment/InvalidOperationException 1", text);
        Assert.Contains("Tool errors: 1   Malformed messages: 1", text);
        Assert.Matches(@"episode\s*│ 4\.25\s*│ 9", text);
        Assert.Contains("Policy versions: none 3, v3 1", text);
    }

    [Fact]
    public void Inspect_Json_ReportsEpisodesRewardsAndNoCorruption()
    {
        InspectCommand.Run(new InspectCommand.Settings { File = Sample(), Json = true }, _out, _err);

        using var json = JsonDocument.Parse(_out.ToString());
        var root = json.RootElement;
        Assert.Equal(4, root.GetProperty("episodes").GetInt32());
        Assert.Equal(0, root.GetProperty("corrupt_records").GetArrayLength());
        Assert.Equal(0, root.GetProperty("warnings").GetArrayLength());
        var math = root.GetProperty("environments").EnumerateArray().Single(e => e.GetProperty("id").GetString() == "math/arithmetic");
        Assert.Equal(0.5, math.GetProperty("reward").GetProperty("mean").GetDouble());
        Assert.Equal(0.5, math.GetProperty("reward").GetProperty("std").GetDouble());
        Assert.Equal(0.5, math.GetProperty("success_rate").GetDouble());
        Assert.Equal(1, root.GetProperty("terminations").GetProperty("truncated").GetInt32());
        Assert.Equal("InvalidOperationException", root.GetProperty("errors")[0].GetProperty("type").GetString());
        Assert.Equal(9, root.GetProperty("timings_ms").GetProperty("episode").GetProperty("p95").GetDouble());
        Assert.Equal(1, root.GetProperty("tool_errors").GetInt32());
    }

    [Fact]
    public void Inspect_FileWithHeaderOnly_ReportsZeroEpisodes()
    {
        var path = Path.Combine(_dir, "empty-run.forge");
        File.WriteAllBytes(path, File.ReadAllBytes(Sample()).AsSpan(0, 16).ToArray());

        InspectCommand.Run(new InspectCommand.Settings { File = path }, _out, _err, width: 200);
        InspectCommand.Run(new InspectCommand.Settings { File = path, Json = true }, _out, _err);

        Assert.StartsWith($"{path}  format 1, 0 episodes, 0 steps", _out.ToString());
        var json = JsonDocument.Parse(_out.ToString()[_out.ToString().IndexOf('{')..]).RootElement;
        Assert.Equal(0, json.GetProperty("episodes").GetInt32());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("timings_ms").GetProperty("episode").ValueKind);
    }

    [Fact]
    public void Inspect_TornFile_WarnsWithTheOffsetOnStderrAndExitsZero()
    {
        var exit = InspectCommand.Run(new InspectCommand.Settings { File = TornSample(), Json = true }, _out, _err);

        Assert.Equal(0, exit);
        Assert.Contains("forge: warning:", _err.ToString());
        Assert.Contains("torn tail at offset 3622", _err.ToString());
        var root = JsonDocument.Parse(_out.ToString()).RootElement;
        Assert.Equal(3, root.GetProperty("episodes").GetInt32());
        var corrupt = Assert.Single(root.GetProperty("corrupt_records").EnumerateArray());
        Assert.Equal(3622, corrupt.GetProperty("offset").GetInt64());
        Assert.True(corrupt.GetProperty("at_end_of_file").GetBoolean());
        Assert.Contains("offset 3622", Assert.Single(root.GetProperty("warnings").EnumerateArray()).GetString());
    }

    [Fact]
    public async Task Replay_Episode_ShowsMessagesToolCallsErrorsRewardsAndTermination()
    {
        await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Sample(), Episode = "ep-0002" }, _out, _err, width: 120);

        var lines = _out.ToString().Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Equal("Episode ep-0002 · support/desk v2 · task refund-small · seed 8", lines[0]);
        Assert.Contains("  I want a refund for order 42.", lines);
        Assert.Contains(lines, l => l.StartsWith("── turn 0 · agent 2 ms · environment 1 ms · reward 0 ─"));
        Assert.Contains("  → lookup_order {\"order\":42  (id c1)", lines);
        Assert.Contains("tool lookup_order (c1) ERROR:", lines);
        Assert.Contains("  Tool error: invalid JSON arguments for lookup_order", lines);
        Assert.Contains("assistant MALFORMED:", lines);
        Assert.Matches(@"│ resolved\s*│ 0\s*│", _out.ToString());
        Assert.Matches(@"│ total\s*│ 0\.25\s*│", _out.ToString());
        Assert.Contains("Success: no", lines);
        Assert.Contains("Termination: truncated (max_turns)", lines);
        Assert.True(lines.IndexOf("assistant MALFORMED:") > lines.IndexOf("tool lookup_order (c1) ERROR:"), "turns are printed in order");
    }

    [Fact]
    public async Task Replay_NoEpisodeGiven_ShowsTheFirstOne()
    {
        await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Sample() }, _out, _err, width: 120);

        var text = _out.ToString();
        Assert.StartsWith("Episode ep-0001 · math/arithmetic v1", text);
        Assert.Contains("→ calculate {\"expression\":\"17*23\"}  (id call-1)", text);
        Assert.Contains("info: parsed_answer=391", text);
        Assert.Contains("Success: yes", text);
    }

    [Fact]
    public async Task Replay_IndexOfPolicyEpisode_ShowsTokensAndPolicyVersion()
    {
        await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Sample(), Index = 3 }, _out, _err, width: 120);

        Assert.Contains("agent policy (policy v3)", _out.ToString());
        Assert.Contains("5 tokens, mean log-prob -1, policy v3", _out.ToString());
        Assert.Contains("answer: héllo 世界 🎲", _out.ToString());
    }

    [Fact]
    public async Task Replay_ErroredEpisode_ShowsTheError()
    {
        await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Sample(), Episode = "ep-0003" }, _out, _err, width: 120);

        Assert.Contains("Error: environment · InvalidOperationException: boom", _out.ToString());
        Assert.Contains("Reward breakdown: none", _out.ToString());
    }

    [Fact]
    public async Task Replay_UnknownEpisode_SuggestsTheClosestId()
    {
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(async () =>
            await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Sample(), Episode = "ep-001" }, _out, _err));

        Assert.Equal($"Episode `ep-001` is not in {Sample()}. Did you mean `ep-0001`?", e.Message);
    }

    [Fact]
    public async Task Replay_UnrelatedEpisode_ListsTheEpisodes()
    {
        var e = await Assert.ThrowsAsync<KeyNotFoundException>(async () =>
            await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Sample(), Episode = "something-else" }, _out, _err));

        Assert.EndsWith("Episodes: ep-0001, ep-0002, ep-0003, ep-0004.", e.Message);
    }

    [Fact]
    public async Task Replay_IndexOutOfRange_SaysTheValidRange()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Sample(), Index = 4 }, _out, _err));

        Assert.Contains("has 4 episodes; --index must be between 0 and 3 (got 4)", e.Message);
    }

    [Fact]
    public void Export_JsonLines_WritesOneSnakeCaseObjectPerTrajectory()
    {
        ExportCommand.Run(new ExportCommand.Settings { File = Sample(), JsonLines = true }, _out, _err);

        var lines = _out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("ep-0001", first.GetProperty("episode_id").GetString());
        Assert.Equal("math/arithmetic", first.GetProperty("environment_id").GetString());
        Assert.Equal("{\"expression\":\"17*23\"}", first.GetProperty("steps")[0].GetProperty("action").GetProperty("tool_calls")[0].GetProperty("arguments_json").GetString());
        Assert.Equal("tool", first.GetProperty("steps")[0].GetProperty("observation")[0].GetProperty("role").GetString());
        Assert.Equal(0.8, first.GetProperty("breakdown").GetProperty("scores").GetProperty("token_budget").GetDouble());
        Assert.Equal("2026-11-26T12:00:00+01:00", first.GetProperty("started_at").GetString());
        Assert.False(first.TryGetProperty("success", out _), "derived members are not exported");
        Assert.Equal("truncated", JsonDocument.Parse(lines[1]).RootElement.GetProperty("termination").GetString());
        Assert.Equal(5, JsonDocument.Parse(lines[3]).RootElement.GetProperty("steps")[0].GetProperty("action").GetProperty("token_ids").GetArrayLength());
    }

    [Fact]
    public void Export_TornFileToAFile_WritesCompleteRecordsAndWarns()
    {
        var target = Path.Combine(_dir, "out.jsonl");

        ExportCommand.Run(new ExportCommand.Settings { File = TornSample(), JsonLines = true, Out = target }, _out, _err);

        Assert.Equal(3, File.ReadAllLines(target).Length);
        Assert.Contains("torn tail at offset 3622", _err.ToString());
        Assert.Contains("exported 3 trajectories to", _err.ToString());
        Assert.Equal("", _out.ToString());
    }

    [Fact]
    public async Task ForgeProcess_TornFileAndBadFile_ExitZeroWithWarningAndTwoWithOneLineError()
    {
        var torn = await RunForgeAsync("inspect", TornSample());
        Assert.Equal(0, torn.Exit);
        Assert.Contains("torn tail at offset 3622", torn.Stderr);
        Assert.Contains("3 episodes", torn.Stdout);

        var notALog = Path.Combine(_dir, "notes.txt");
        await File.WriteAllTextAsync(notALog, "hello");
        var bad = await RunForgeAsync("replay", notALog);
        Assert.Equal(2, bad.Exit);
        Assert.Equal($"forge: {notALog} is not a Forge trajectory file (bad magic)", bad.Stderr.Trim());

        var noFormat = await RunForgeAsync("export", Sample());
        Assert.Equal(2, noFormat.Exit);
        Assert.Contains("--jsonl", noFormat.Stderr);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunForgeAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "forge.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }
}
