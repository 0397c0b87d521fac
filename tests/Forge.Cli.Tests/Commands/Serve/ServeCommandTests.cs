using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Forge.Host.Recording;
using Forge.Serving.Tests.Models;

namespace Forge.Cli.Tests.Commands.Serve;

/// <summary><c>forge serve</c> and <c>forge run</c> with an agent program, as a user starts them.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-serve-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Stdout, string Stderr)> Forge(params string[] args) => ForgeProcess.RunAsync(_dir, args);

    [Fact]
    public async Task Serve_CheckpointAnswersUntilCtrlC()
    {
        var checkpoint = TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));
        var port = LoopbackPort.Free();
        string? reply = null, health = null;

        var (code, _, stderr) = await ForgeProcess.RunAsync(_dir, ["serve", "--checkpoint", checkpoint, "--port", port.ToString(), "--device", "cpu"], async pid =>
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            for (var i = 0; i < 600 && health is null; i++)
            {
                try
                {
                    var response = await http.GetAsync("health");
                    if (response.IsSuccessStatusCode) health = await response.Content.ReadAsStringAsync();
                }
                catch (HttpRequestException) { }
                if (health is null) await Task.Delay(100);
            }
            var body = new JsonObject { ["model"] = "scripted", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }) };
            var completion = await http.PostAsJsonAsync("v1/chat/completions", body);
            reply = (string?)JsonNode.Parse(await completion.Content.ReadAsStringAsync())!["choices"]![0]!["message"]!["content"];
            Process.Start("kill", ["-INT", pid.ToString()])!.WaitForExit();
        });

        Assert.True(code == 0, stderr);
        Assert.Contains("\"status\":\"ready\"", health);
        Assert.Equal("Hi!", reply);
        Assert.Contains($"ready at http://127.0.0.1:{port}/v1, model 'scripted', policy version 5", stderr);
    }

    [Theory]
    [InlineData(new[] { "serve" }, "give exactly one of --checkpoint DIR or --model DIR")]
    [InlineData(new[] { "serve", "--model", "nowhere" }, "--model nowhere: folder not found")]
    [InlineData(new[] { "serve", "--checkpoint", "." }, "no checkpoint.json there")]
    public async Task Serve_BadFlags_Exit2OneLine(string[] args, string message)
    {
        var (code, _, stderr) = await Forge(args);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Serve_NonLoopbackWithoutKey_Exit2NamingTheFlag()
    {
        var checkpoint = TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));

        var (code, _, stderr) = await Forge("serve", "--checkpoint", checkpoint, "--host", "0.0.0.0");

        Assert.Equal(2, code);
        Assert.Contains("--host 0.0.0.0: binding an address other than loopback needs an API key; set one with --api-key-env VAR", stderr);
    }

    [Fact]
    public async Task Serve_PortInUse_Exit2OneLineNamingHostAndPort()
    {
        var checkpoint = TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, _, stderr) = await Forge("serve", "--checkpoint", checkpoint, "--port", port.ToString(), "--device", "cpu");

        Assert.Equal(2, code);
        Assert.Contains($"--host 127.0.0.1 --port {port}: can't listen there: Address already in use", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    /// <summary>
    /// Runs <c>forge run --json</c> on two episodes of support/desk's order-status task whose agent is a program
    /// (<paramref name="program"/>: its fields) on a scripted checkpoint; both must run without an error.
    /// </summary>
    private async Task<(string Scenario, JsonNode Result, string Stdout)> RunDeskProgramAsync(string name, string program)
    {
        TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));
        var scenario = Path.Combine(_dir, $"{name}.json");
        File.WriteAllText(scenario, $$"""
            {
              "name": "{{name}}", "seed": 1,
              "environments": [ { "id": "support/desk", "task_ids": [ "order-status" ] } ],
              "agent": { "type": "agent-program", {{program}}, "checkpoint": "scripted", "device": "cpu" },
              "group_size": 2, "episodes_per_task": 2, "concurrency": 2, "output": "out"
            }
            """);

        var (code, stdout, stderr) = await Forge("run", scenario, "--json");

        Assert.True(code == 0, stderr + stdout);
        var result = JsonNode.Parse(stdout)!;
        Assert.Equal(2, (int)result["agent_programs"]!["episodes"]!);
        Assert.Equal(0, (int)result["agent_programs"]!["errored"]!);
        return (scenario, result, stdout);
    }

    [Fact]
    public async Task Run_AgentProgramScenario_RecordsStitchedTrajectoriesAndASecondRunResumes()
    {
        var (scenario, result, _) = await RunDeskProgramAsync("desk-program", "\"program\": \"support-desk\"");

        Assert.Equal(2, (int)result["agent_programs"]!["stitched_episodes"]!);
        Assert.True(File.Exists((string)result["trajectories"]!));

        // The same run again on the same output resumes: both episodes are in the log, none runs again.
        var (again, stdoutAgain, stderrAgain) = await Forge("run", scenario, "--json");
        Assert.True(again == 0, stderrAgain + stdoutAgain);
        var resumed = JsonNode.Parse(stdoutAgain)!;
        Assert.Equal(2, (int)resumed["resumed"]!["already_recorded"]!);
        Assert.Equal(0, (int)resumed["agent_programs"]!["episodes"]!);
        Assert.Equal(2, TrajectoryReader.Read((string)result["trajectories"]!).Trajectories.Count);
    }

    [SkippableFact]
    public async Task Run_ScenarioNamingTheRegisteredPythonProgram_RunsItFromTheRegistrysFolderAndScoresIt()
    {
        Requirement.Python3();
        // No environments.json here: forge reads the one beside it, whose desk-python entry names a script relative to that folder.
        var (_, result, stdout) = await RunDeskProgramAsync("desk-python", "\"program\": \"desk-python\", \"deadline_seconds\": 60");

        Assert.True((int)result["agent_programs"]!["calls"]! >= 2, stdout);
        var recorded = TrajectoryReader.Read((string)result["trajectories"]!).Trajectories;
        Assert.Equal(2, recorded.Count);
        Assert.All(recorded, t =>
        {
            Assert.Null(t.Error);
            Assert.Equal("python3 environments/SupportDesk/programs/support_desk_agent.py", t.Provenance!.Agent!.Details);
            Assert.Contains("refund_policy", t.Breakdown!.Scores.Keys);   // scored by support/desk's rubric, not a program's own
        });
    }

    [Fact]
    public async Task Run_AgentProgramWithoutPolicy_Exit2NamingTheField()
    {
        var scenario = Path.Combine(_dir, "bad.json");
        File.WriteAllText(scenario, """
            { "name": "bad", "environments": [ { "id": "support/desk", "tasks": 1 } ], "agent": { "type": "agent-program", "program": "support-desk" } }
            """);

        var (code, _, stderr) = await Forge("run", scenario);

        Assert.Equal(2, code);
        Assert.Contains("$.agent.checkpoint: give exactly one of \"checkpoint\"", stderr);
    }

    [Fact]
    public async Task Run_AgentProgramMisspelt_Exit2WithEveryProblemAndDidYouMean()
    {
        var scenario = Path.Combine(_dir, "misspelt.json");
        File.WriteAllText(scenario, """
            { "name": "misspelt", "environments": [ { "id": "support/desk", "tasks": 1 } ],
              "agent": { "type": "agent-program", "program": "support-dsk", "checkpoint": "scripted", "deadline": 5 } }
            """);

        var (code, _, stderr) = await Forge("run", scenario);

        Assert.Equal(2, code);
        Assert.Contains("$.agent.deadline: unknown property \"deadline\". Did you mean \"deadline_seconds\"?", stderr);
        Assert.Contains("$.agent.program: `support-dsk` is not an agent program here; use one of desk-python, support-desk, or \"command\". Did you mean `support-desk`?", stderr);
    }
}

/// <summary><c>forge run</c> on a scenario whose agent is a program started per episode in a sandbox.</summary>
public sealed class SandboxedProgramRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-run-program-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Answers right only when it can't see the folder of its scenario on the host, that is, inside the sandbox.
    private const string SandboxProbe = """
        import json, os, sys, urllib.request
        task = json.load(sys.stdin)
        body = json.dumps({"model": os.environ["OPENAI_MODEL"], "messages": [{"role": "user", "content": "Say something."}], "max_tokens": 4}).encode()
        request = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/chat/completions", data=body, headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()
        print(f"Answer: {task['answer'] if not os.path.exists(sys.argv[1]) else task['answer'] + 1}")
        """;

    /// <summary>Runs a scenario of two math/arithmetic episodes driven by <see cref="SandboxProbe"/>: both are scored in full only if the probe, in its sandbox, could not see this test's folder.</summary>
    private async Task AssertProbeEpisodesScoredAsync(string scenario)
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "run", scenario, "--json");

        Assert.True(code == 0, stderr + stdout);
        var result = JsonNode.Parse(stdout)!["agent_programs"]!;
        Assert.Equal(2, (int)result["episodes"]!);
        Assert.Equal(0, (int)result["errored"]!);
        Assert.True((double)result["mean_reward"]! >= 1.0, $"the program saw the host's folder or was not scored by math/arithmetic's rubric: {result}");
    }

    [SkippableFact]
    public async Task Run_ProcessProgramWithASandboxSection_RunsInTheLocalSandboxAndIsScoredByTheEnvironment()
    {
        Requirement.Python3();
        Requirement.IsolatedLocalSandbox();
        TestModels.RandomCheckpoint(Path.Combine(_dir, "policy"));
        File.WriteAllText(Path.Combine(_dir, "probe.py"), SandboxProbe);
        var scenario = Path.Combine(_dir, "sandboxed-program.json");
        File.WriteAllText(scenario, $$"""
            {
              "name": "sandboxed-program", "seed": 1,
              "environments": [ { "id": "math/arithmetic", "tasks": 2 } ],
              "agent": { "type": "agent-program", "command": [ "python3", "probe.py", "{{_dir}}" ], "checkpoint": "policy", "device": "cpu" },
              "sandbox": { "backend": "local" },
              "group_size": 1, "episodes_per_task": 1, "concurrency": 2, "output": "out"
            }
            """);

        await AssertProbeEpisodesScoredAsync(scenario);
    }

    [SkippableFact]
    public async Task Run_RegisteredProcessProgramWithASandboxSection_TakesItsFilesFromTheRegistrysFolderIntoTheSandbox()
    {
        Requirement.Python3();
        Requirement.IsolatedLocalSandbox();
        // The registry (forge's working directory) names programs/probe.py; the scenario lives in another folder.
        Directory.CreateDirectory(Path.Combine(_dir, "programs"));
        File.WriteAllText(Path.Combine(_dir, "programs", "probe.py"), SandboxProbe);
        File.WriteAllText(Path.Combine(_dir, "environments.json"), $$"""
            { "schema_version": 2, "environments": { "math/arithmetic": {
                "agent_programs": { "probe": { "command": [ "python3", "programs/probe.py", "{{_dir}}" ], "deadline_seconds": 60 } } } } }
            """);
        var scenarios = Directory.CreateDirectory(Path.Combine(_dir, "scenarios")).FullName;
        TestModels.RandomCheckpoint(Path.Combine(scenarios, "policy"));
        var scenario = Path.Combine(scenarios, "registered-program.json");
        File.WriteAllText(scenario, """
            {
              "name": "registered-program", "seed": 1,
              "environments": [ { "id": "math/arithmetic", "tasks": 2 } ],
              "agent": { "type": "agent-program", "program": "probe", "checkpoint": "policy", "device": "cpu" },
              "sandbox": { "backend": "local" },
              "group_size": 1, "episodes_per_task": 1, "concurrency": 2, "output": "out"
            }
            """);

        await AssertProbeEpisodesScoredAsync(scenario);
    }
}
