using System.Text.Json;
using System.Diagnostics;
using Forge.Cli.Tests.Commands.Serve;
using Forge.Host.Recording;
using Forge.Serving.Tests.Models;

namespace Forge.Cli.Tests.Commands.Eval;

/// <summary><c>forge eval</c> on scenarios whose agent is scripted, noisy, or semantic-kernel against forge serve, and on recorded logs.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-eval-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Stdout, string Stderr)> Forge(params string[] args) => ForgeProcess.RunAsync(_dir, args);

    private string Scenario(string name, string agent, string environments, int episodesPerTask)
    {
        var path = Path.Combine(_dir, $"{name}.json");
        File.WriteAllText(path, $$"""
            { "name": "{{name}}", "seed": 7, "environments": [ {{environments}} ], "agent": {{agent}},
              "episodes_per_task": {{episodesPerTask}}, "group_size": {{episodesPerTask}}, "concurrency": 4, "output": "{{Path.Combine(_dir, name)}}" }
            """);
        return path;
    }

    private static JsonElement Environment(JsonElement report, string id) =>
        id == "all" ? report.GetProperty("all") : report.GetProperty("environments").EnumerateArray().Single(e => e.GetProperty("environment").GetString() == id);

    [Fact]
    public async Task Eval_ScriptedAgent_ExactFigures()
    {
        var scenario = Scenario("scripted", """{ "type": "scripted" }""", """{ "id": "math/arithmetic", "tasks": 3 }, { "id": "support/desk", "tasks": 2 }""", 2);

        var (code, stdout, stderr) = await Forge("eval", scenario, "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var report = json.RootElement.GetProperty("report");
        Assert.Equal("scripted", report.GetProperty("agent").GetString());
        var math = Environment(report, "math/arithmetic");
        Assert.Equal((6, 3, 1.0), (math.GetProperty("episodes").GetInt32(), math.GetProperty("tasks").GetInt32(), math.GetProperty("success_rate").GetDouble()));
        Assert.Equal([("1", 1.0), ("2", 1.0)], math.GetProperty("pass_at_k").EnumerateObject().Select(p => (p.Name, p.Value.GetDouble())));
        // The solver earns correct 1 + format 0.1 + token budget 0.1 on every arithmetic task, and 1.9 on every desk ticket.
        Assert.Equal(1.2, math.GetProperty("reward_mean").GetDouble(), 12);
        Assert.Equal(0.0, math.GetProperty("reward_interval95").GetDouble());
        Assert.Equal(["correct", "format", "token_budget"], math.GetProperty("reward_components").EnumerateObject().Select(p => p.Name));
        Assert.Equal(6, math.GetProperty("terminations").GetProperty("terminated").GetInt32());
        Assert.Empty(math.GetProperty("errors").EnumerateObject());
        Assert.Equal("estimate", math.GetProperty("token_count").GetString());
        Assert.Equal(JsonValueKind.Null, math.GetProperty("prompt_tokens").ValueKind);
        var all = Environment(report, "all");
        Assert.Equal(10, all.GetProperty("episodes").GetInt32());
        // Rewards 6 × 1.2 and 4 × 1.9: mean 1.48, sample variance 1.176 / 9, interval 1.96 · √(1.176 / 90).
        Assert.Equal(1.48, all.GetProperty("reward_mean").GetDouble(), 12);
        Assert.Equal(1.959963984540054 * Math.Sqrt(1.176 / 90), all.GetProperty("reward_interval95").GetDouble(), 9);
        Assert.True(File.Exists(json.RootElement.GetProperty("trajectories").GetString()));
    }

    [Fact]
    public async Task Eval_NoisyAgentComparedWithScripted_PassAtKFromTheLogAndPairedDifferences()
    {
        var environments = """{ "id": "math/arithmetic", "tasks": 4 }""";
        var noisy = Scenario("noisy", """{ "type": "noisy", "error_rate": 0.5 }""", environments, 4);
        var scripted = Scenario("scripted", """{ "type": "scripted" }""", environments, 4);

        var (code, stdout, stderr) = await Forge("eval", noisy, "--compare", scripted, "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var math = Environment(json.RootElement.GetProperty("report"), "math/arithmetic");
        // pass@k recomputed from the recorded episodes with exact binomial coefficients.
        var log = TrajectoryReader.Read(json.RootElement.GetProperty("trajectories").GetString()!).Trajectories;
        var tasks = log.GroupBy(t => t.TaskId).Select(g => (n: g.Count(), c: g.Count(t => t.Success))).ToList();
        Assert.Equal(16, log.Count);
        Assert.InRange(log.Count(t => t.Success), 1, 15);   // the seeded noise misses some, not all
        for (var k = 1; k <= 4; k++)
        {
            var expected = tasks.Average(t => 1 - Binomial(t.n - t.c, k) / Binomial(t.n, k));
            Assert.Equal(expected, math.GetProperty("pass_at_k").GetProperty(k.ToString()).GetDouble(), 12);
        }
        var difference = json.RootElement.GetProperty("compare").GetProperty("differences").EnumerateArray().First();
        Assert.Equal(16, difference.GetProperty("paired").GetInt32());
        Assert.Equal(0, difference.GetProperty("only_a_solved").GetInt32());
        Assert.Equal(log.Count(t => !t.Success), difference.GetProperty("only_b_solved").GetInt32());
        Assert.Equal(1 - log.Count(t => t.Success) / 16.0, difference.GetProperty("success_rate").GetDouble(), 12);
    }

    [Fact]
    public async Task Eval_SemanticKernelAgentAgainstForgeServe_PassAtKAndTheEndpointsTokenCounts()
    {
        var checkpoint = TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));   // served as model "scripted"
        var port = LoopbackPort.Free();
        var scenario = Scenario("sk", $$"""{ "type": "semantic-kernel", "endpoint": "http://127.0.0.1:{{port}}/v1", "model": "scripted", "api_key_env": "PATH" }""",
            """{ "id": "support/desk", "tasks": 2 }, { "id": "math/arithmetic", "tasks": 1 }""", 3);
        (int ExitCode, string Stdout, string Stderr) eval = (-1, "", "forge serve never became ready");

        var serve = await ForgeProcess.RunAsync(_dir, ["serve", "--checkpoint", checkpoint, "--port", port.ToString(), "--device", "cpu"], async pid =>
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            for (var i = 0; i < 600; i++)
            {
                try
                {
                    if ((await http.GetAsync("health")).IsSuccessStatusCode)
                    {
                        eval = await Forge("eval", scenario, "--json");
                        break;
                    }
                }
                catch (HttpRequestException) { }
                await Task.Delay(100);
            }
            Process.Start("kill", ["-INT", pid.ToString()])!.WaitForExit();
        });

        Assert.True(serve.ExitCode == 0, serve.Stderr);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var document = JsonDocument.Parse(eval.Stdout);
        var report = document.RootElement.GetProperty("report");
        Assert.Equal("sk/scripted", report.GetProperty("agent").GetString());
        foreach (var (id, episodes) in new[] { ("support/desk", 6), ("math/arithmetic", 3) })
        {
            var env = Environment(report, id);
            Assert.Equal(episodes, env.GetProperty("episodes").GetInt32());
            Assert.Equal(["1", "2", "3"], env.GetProperty("pass_at_k").EnumerateObject().Select(p => p.Name));
            // The scripted model answers "Hi!" to everything: no ticket resolved, no sum right.
            Assert.All(env.GetProperty("pass_at_k").EnumerateObject(), p => Assert.Equal(0.0, p.Value.GetDouble()));
            Assert.Equal(0.0, env.GetProperty("success_rate").GetDouble());
            Assert.Equal("endpoint", env.GetProperty("token_count").GetString());
            Assert.True(env.GetProperty("prompt_tokens").GetInt64() > 0);
            Assert.Empty(env.GetProperty("errors").EnumerateObject());
        }
        // Every reply's usage was recorded with its message, and the report counts exactly those.
        var replies = TrajectoryReader.Read(document.RootElement.GetProperty("trajectories").GetString()!).Trajectories
            .SelectMany(t => t.Steps).Select(s => s.Action).ToList();
        Assert.All(replies, m => Assert.NotNull(m.CompletionTokens));
        Assert.Equal(replies.Sum(m => m.CompletionTokens!.Value), Environment(report, "all").GetProperty("completion_tokens").GetInt64());
        Assert.Equal(replies.Sum(m => m.PromptTokens!.Value), Environment(report, "all").GetProperty("prompt_tokens").GetInt64());
    }

    [Theory]
    [InlineData("nowhere.json", "nowhere.json")]
    [InlineData("missing.forge", "missing.forge does not exist")]
    public async Task Eval_BadSource_Exit2OneLine(string source, string message)
    {
        var (code, _, stderr) = await Forge("eval", source);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Eval_PolicyScenarioWithoutWeights_Exit2NamingTheFlags()
    {
        var scenario = Scenario("policy", """{ "type": "policy" }""", """{ "id": "math/arithmetic", "tasks": 1 }""", 1);

        var (code, _, stderr) = await Forge("eval", scenario);

        Assert.Equal(2, code);
        Assert.Contains("$.agent.type: the `policy` agent needs weights to score; give --checkpoint CKPT or --model DIR.", stderr);
    }

    private static double Binomial(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        var result = 1.0;
        for (var i = 1; i <= k; i++) result = result * (n - k + i) / i;
        return result;
    }
}
