using System.Text.Json;
using Forge.Agents.Programs;
using Forge.Core;
using Forge.Sandbox;
using Forge.Serving.AgentPrograms;

namespace Forge.Serving.Tests.AgentPrograms;

/// <summary>
/// Process agent programs in the local sandbox: the program reaches its episode's endpoint (through the Unix socket bound
/// into its workspace) and nothing else — not the server's port on the host's loopback, not the internet, not the host's
/// files — and the sandbox's deadline and output cap end it as for any sandboxed command.
/// </summary>
public sealed class SandboxedProgramTests
{
    // Calls the endpoint, then probes what else it can reach: the server's real port, an outside address, a host folder.
    private const string Probe = """
        import json, os, socket, sys, urllib.request
        task = json.load(sys.stdin)
        body = json.dumps({"model": os.environ["OPENAI_MODEL"], "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 8, "seed": 1}).encode()
        request = urllib.request.Request(os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions", data=body,
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
        reply = json.load(urllib.request.urlopen(request, timeout=30))["choices"][0]["message"]["content"]
        def reachable(host, port):
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect((host, port))
                return True
            except OSError:
                return False
            finally:
                s.close()
        print(json.dumps({"task": task["id"], "reply": reply, "server_port": reachable("127.0.0.1", int(sys.argv[1])),
                          "outside": reachable("1.1.1.1", 53), "host_folder": os.path.exists(sys.argv[2]), "home": os.listdir("/root") if os.path.exists("/root") else None}))
        """;

    [SkippableFact]
    public async Task PythonProgram_InTheLocalSandbox_ReachesItsEndpointOnly()
    {
        AgentProgramTests.RequirePython();
        RequireIsolation();
        await using var server = await ServedModel.ScriptedAsync();
        var folder = Directory.CreateTempSubdirectory("forge-program-probe-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "probe.py"), Probe);
        await using var sandboxes = SandboxProviders.Create(new SandboxOptions());
        var program = new ProcessAgentProgram(["python3", "probe.py", server.Host.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), folder],
            folder, TimeSpan.FromSeconds(60));

        var episode = await AgentProgramTests.RunAsync(server, new ProcessProgram(program, sandboxes), AgentProgramTests.Ticket("order-status"), "ep-sandboxed", seed: 1);

        Assert.Null(episode.Error);
        using var probe = JsonDocument.Parse(episode.Output!);
        var result = probe.RootElement;
        Assert.Equal("order-status", result.GetProperty("task").GetString());
        Assert.Equal("Hi!", result.GetProperty("reply").GetString());
        Assert.Single(episode.Calls);                                      // the call went through the episode's path and was recorded
        Assert.False(result.GetProperty("server_port").GetBoolean(), "the sandboxed program reached the server's port on the host's loopback");
        Assert.False(result.GetProperty("outside").GetBoolean(), "the sandboxed program reached an outside address");
        Assert.False(result.GetProperty("host_folder").GetBoolean(), "the sandboxed program saw a host folder");
        Assert.Equal(JsonValueKind.Null, result.GetProperty("home").ValueKind);
        Directory.Delete(folder, recursive: true);
    }

    [SkippableFact]
    public async Task ShippedPythonProgram_InTheLocalSandbox_RecordedAndScoredByTheEnvironment()
    {
        AgentProgramTests.RequirePython();
        RequireIsolation();
        await using var server = await ServedModel.ScriptedAsync();
        await using var sandboxes = SandboxProviders.Create(new SandboxOptions());
        var program = new ProcessAgentProgram(["python3", AgentProgramTests.PythonAgent], null, TimeSpan.FromSeconds(60));

        var episode = await AgentProgramTests.RunAsync(server, new ProcessProgram(program, sandboxes), AgentProgramTests.Ticket("order-status"), "ep-shipped", seed: 1);

        Assert.Null(episode.Error);
        Assert.Equal("Hi!", episode.Output);
        Assert.Equal(["lookup_order"], Assert.Single(episode.Calls).Tools.Select(t => t.Name));
        Assert.Equal(AgentProgramEnvironment.ProgramFinished, episode.Trajectory.TruncationReason);
        Assert.Contains("resolved", episode.Breakdown!.Scores.Keys);
    }

    [SkippableTheory]
    [InlineData("import time; time.sleep(30)", "deadline_exceeded")]
    [InlineData("print('x' * 5000)", "output_too_large")]
    [InlineData("import sys; sys.exit(3)", "program_failed")]
    public async Task Program_InTheLocalSandbox_LimitsEndItAsAnAgentError(string code, string type)
    {
        AgentProgramTests.RequirePython();
        RequireIsolation();
        await using var server = await ServedModel.ScriptedAsync();
        await using var sandboxes = SandboxProviders.Create(new SandboxOptions());
        var program = new ProcessAgentProgram(["python3", "-c", code], null, TimeSpan.FromSeconds(1), MaxOutputBytes: 1000);

        var episode = await AgentProgramTests.RunAsync(server, new ProcessProgram(program, sandboxes), AgentProgramTests.Ticket("order-status"), $"ep-{type}", seed: 1);

        Assert.Equal(type, episode.Error!.Type);
        Assert.Equal(ErrorBoundary.Agent, episode.Error.Boundary);
        Assert.Equal(Termination.Errored, episode.Trajectory.Termination);
    }

    private static void RequireIsolation()
    {
        var local = SandboxProviders.Diagnose()[0];
        if (!local.Isolated && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"CI=true, so this test may not skip: {local.Summary}");
        Skip.If(!local.Isolated, local.Summary);
    }
}
