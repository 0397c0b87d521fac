using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Cli.Tests.Commands.Run;
using Forge.Cluster;
using Forge.Cluster.Dispatch;
using Forge.Core;
using Forge.Core.Rewards;
using Forge.Host;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// A scenario's judge on cluster workers: each worker connects to the judge itself (a <c>forge serve</c> process on
/// 127.0.0.1, reached through a counting proxy), with the API key from its own environment, and its trajectories carry the same verdicts and judge provenance as a
/// one-process run's — for <c>forge run</c>, with the agent on the worker or at the driver, and for <c>forge train</c>.
/// </summary>
public sealed class ClusterJudgeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cluster-judge-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A localhost cluster of the test's own (free ports, its own id), so no Redis is needed.</summary>
    private string LocalhostClusterFile()
    {
        var path = Path.Combine(_dir, "cluster.json");
        File.WriteAllText(path, $$"""{ "membership": "localhost", "cluster_id": "judge-{{Guid.NewGuid():n}}", "primary_silo_port": {{LoopbackPort.Free()}}, "primary_gateway_port": {{LoopbackPort.Free()}} }""");
        return path;
    }

    /// <summary>The judge's API key variable in the key test: set to different keys for the driver and the worker.</summary>
    private const string KeyVariable = "FORGE_TEST_JUDGE_KEY";

    private static IReadOnlyDictionary<string, Trajectory> Recorded(string output) =>
        TrajectoryReader.Read(Path.Combine(output, TrajectoryRecorder.DefaultFileName)).Trajectories.ToDictionary(t => t.EpisodeId, StringComparer.Ordinal);

    [Fact]
    public async Task Run_JudgedScenarioOnALocalhostWorker_SameVerdictsAndJudgeAsOneProcess_AgentAtDriverToo()
    {
        var checkpoint = JudgeServer.Checkpoint(Path.Combine(_dir, "judge"));
        var port = LoopbackPort.Free();
        await using var counter = new CountingProxy($"http://127.0.0.1:{port}/");
        var scenario = JudgeServer.ShippedScenario(_dir, counter.Port);
        var json = JsonNode.Parse(File.ReadAllText(scenario))!;
        json["judge"]!["api_key_env"] = KeyVariable;   // the driver and the worker each hold a key of their own
        File.WriteAllText(scenario, json.ToJsonString());
        var clusterFile = LocalhostClusterFile();
        using var cluster = new ClusterProcesses(_dir);
        var joining = cluster.StartWorkerAsync(new Dictionary<string, string> { [KeyVariable] = "worker-key" }, "--cluster", clusterFile, "--capacity", "8");   // joins while the judge starts
        string[] modes = ["one process", "worker", "agent at driver"];
        var runs = modes.ToDictionary(m => m, _ => (ExitCode: -1, Stdout: "", Stderr: "forge serve never became ready"));
        var calls = new Dictionary<string, IReadOnlyList<string>>();

        var serve = await JudgeServer.ServeWhileAsync(_dir, checkpoint, port, async () =>
        {
            await joining;
            foreach (var mode in modes)
            {
                string[] where = mode switch { "worker" => ["--cluster", clusterFile], "agent at driver" => ["--cluster", clusterFile, "--agent-at-driver"], _ => [] };
                var before = counter.ChatCompletions;
                runs[mode] = await ForgeProcess.RunAsync(_dir, ["run", scenario, "--json", "--out", Path.Combine(_dir, mode), .. where], new Dictionary<string, string?> { [KeyVariable] = "driver-key" });
                calls[mode] = [.. counter.Authorizations.Skip(before)];
            }
        });

        Assert.True(serve.ExitCode == 0, serve.Stderr);
        var worker = await joining;
        foreach (var mode in modes) Assert.True(runs[mode].ExitCode == 0, $"{mode}: {runs[mode].Stderr}{runs[mode].Stdout}\nworker: {cluster.ErrorsOf(worker.Process)}");
        var local = Recorded(Path.Combine(_dir, "one process"));
        Assert.Equal(8, local.Count);
        var questions = local.Values.Select(t => t.Breakdown!.Judgements!["politeness"].PromptHash).Distinct().Count();
        foreach (var mode in modes.Skip(1))
        {
            var remote = Recorded(Path.Combine(_dir, mode));
            Assert.Equal(local.Keys.Order(), remote.Keys.Order());
            foreach (var (id, t) in remote)
            {
                var (there, here) = (t.Breakdown!.Judgements!["politeness"], local[id].Breakdown!.Judgements!["politeness"]);
                Assert.Equal(worker.Address, t.Provenance!.Worker);
                Assert.Equal(local[id].Provenance!.Judge, t.Provenance.Judge);
                Assert.Equal(($"http://127.0.0.1:{counter.Port}/v1", KeyVariable), (t.Provenance.Judge!.Endpoint, t.Provenance.Judge.ApiKeyEnv));
                Assert.Equal((here.Model, here.Mode, here.PromptHash, here.RubricHash, here.Reply), (there.Model, there.Mode, there.PromptHash, there.RubricHash, there.Reply));
                Assert.Equal(here.FirstTokenLogprobs!.Select(l => (l.Token, l.Logprob)), there.FirstTokenLogprobs!.Select(l => (l.Token, l.Logprob)));
                Assert.Equal(JudgeServer.Verdict, t.Breakdown.Scores["politeness"], 4);
                Assert.Equal(local[id].TotalReward, t.TotalReward, 6);
            }
            // The worker asked the judge itself, with its own key, through one connection for the run: one request per distinct question.
            Assert.Equal(Enumerable.Repeat("Bearer worker-key", questions), calls[mode]);
        }
        Assert.Equal(Enumerable.Repeat("Bearer driver-key", questions), calls["one process"]);
        foreach (var mode in modes)   // a key is never recorded, only its variable's name
        {
            var log = File.ReadAllText(Path.Combine(_dir, mode, TrajectoryRecorder.DefaultFileName));
            Assert.Contains(KeyVariable, log, StringComparison.Ordinal);
            Assert.DoesNotContain("worker-key", log, StringComparison.Ordinal);
            Assert.DoesNotContain("driver-key", log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_WorkerCannotReachTheJudge_JudgedEpisodesRecordedWithAJudgeErrorAsInOneProcess()
    {
        var scenario = JudgeServer.ShippedScenario(_dir, LoopbackPort.Free());   // nothing listens there
        var clusterFile = LocalhostClusterFile();
        using var cluster = new ClusterProcesses(_dir);
        var joining = cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "8");
        var oneProcess = await ForgeProcess.RunAsync(_dir, "run", scenario, "--json", "--out", Path.Combine(_dir, "local"));
        var worker = await joining;

        var onWorker = await ForgeProcess.RunAsync(_dir, "run", scenario, "--cluster", clusterFile, "--json", "--out", Path.Combine(_dir, "worker"));

        Assert.True(oneProcess.ExitCode == 0, oneProcess.Stderr + oneProcess.Stdout);
        Assert.True(onWorker.ExitCode == 0, onWorker.Stderr + onWorker.Stdout);
        Assert.False(worker.Process.HasExited, cluster.ErrorsOf(worker.Process));
        var local = Recorded(Path.Combine(_dir, "local"));
        var remote = Recorded(Path.Combine(_dir, "worker"));
        Assert.Equal(8, remote.Count);
        Assert.Equal(local.Keys.Order(), remote.Keys.Order());
        foreach (var (id, t) in remote)
        {
            // A bad judge is data, not a crash: the episode ends as it would, the judged function scores 0 and says why.
            Assert.Equal(local[id].Termination, t.Termination);
            Assert.Equal(Termination.Terminated, t.Termination);
            Assert.Equal(0, t.Breakdown!.Scores["politeness"]);
            Assert.StartsWith("judge error: ", t.Breakdown.Notes!["politeness"], StringComparison.Ordinal);
            Assert.Equal(local[id].Breakdown!.Notes!["politeness"], t.Breakdown.Notes["politeness"]);
            Assert.Null(t.Breakdown.Judgements);
            Assert.Equal(local[id].Provenance!.Judge, t.Provenance!.Judge);
            Assert.Equal(local[id].TotalReward, t.TotalReward, 6);
        }
    }

    [Fact]
    public async Task Train_OnALocalhostWorkerWithAJudge_RolloutsEvaluationsAndFilteredWarmStartJudgedByTheWorker()
    {
        var checkpoint = JudgeServer.Checkpoint(Path.Combine(_dir, "judge"));
        var port = LoopbackPort.Free();
        await using var counter = new CountingProxy($"http://127.0.0.1:{port}/");
        // warm_start.min_reward filters the solver's episodes by reward, so they are judged too.
        var scenario = JudgeServer.TrainingScenario(_dir, counter.Port, updates: 1, warmStart: """{ "episodes": 2, "epochs": 1, "min_reward": 0.5 }""");
        var clusterFile = LocalhostClusterFile();
        using var cluster = new ClusterProcesses(_dir);
        var joining = cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "8");
        (int ExitCode, string Stdout, string Stderr) train = (-1, "", "forge serve never became ready");

        var serve = await JudgeServer.ServeWhileAsync(_dir, checkpoint, port, async () =>
        {
            await joining;
            train = await ForgeProcess.RunAsync(_dir, "train", scenario, "--cluster", clusterFile, "--out", Path.Combine(_dir, "train"), "--json", "--device", "cpu");
        });

        Assert.True(serve.ExitCode == 0, serve.Stderr);
        var worker = await joining;
        Assert.True(train.ExitCode == 0, $"{train.Stderr}{train.Stdout}\nworker: {cluster.ErrorsOf(worker.Process)}");
        Assert.Equal(1, JsonDocument.Parse(train.Stdout).RootElement.GetProperty("updates").GetInt32());
        var recorded = TrajectoryReader.Read(Path.Combine(_dir, "train", TrajectoryRecorder.DefaultFileName)).Trajectories;
        // Episodes the end of training cut short are recorded as cancelled; every other one was scored, judge included.
        var scored = recorded.Where(t => t.Termination != Termination.Cancelled).ToList();
        Assert.Equal(2, scored.Count(t => t.GroupId.StartsWith("warm:", StringComparison.Ordinal)));
        Assert.Equal(6, scored.Count(t => t.GroupId.StartsWith("eval:", StringComparison.Ordinal)));   // before, after the warm start, after training
        Assert.True(scored.Count(t => t.GroupId.StartsWith("train:", StringComparison.Ordinal)) >= 4, $"{scored.Count} scored episodes");   // 2 groups × 2
        Assert.True(counter.ChatCompletions > 0);
        foreach (var t in scored)
        {
            Assert.Equal(worker.Address, t.Provenance!.Worker);
            Assert.Equal(JudgeServer.Verdict, t.Breakdown!.Scores["politeness"], 4);
            Assert.Equal("judge", t.Breakdown.Judgements!["politeness"].Model);
            Assert.Equal($"http://127.0.0.1:{counter.Port}/v1", t.Provenance.Judge!.Endpoint);
        }
    }

    [Fact]
    public async Task Dispatch_EpisodeJudgedByAnotherJudgeThanTheWorkersScenarios_RefusedSayingHow_AnUnjudgedOneRunsWithoutAJudge()
    {
        var scenarioFile = JudgeServer.ShippedScenario(_dir, LoopbackPort.Free());   // the judge is never asked here
        var clusterFile = LocalhostClusterFile();
        var json = JsonNode.Parse(File.ReadAllText(clusterFile))!;
        json["max_attempts"] = 1;
        File.WriteAllText(clusterFile, json.ToJsonString());
        using var cluster = new ClusterProcesses(_dir);
        await cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "2");
        var scenario = Scenario.Load(scenarioFile);
        var requests = scenario.ExpandRequests(EnvironmentRegistry.Load(Path.Combine(ForgeProcess.RepositoryRoot, "environments.json")));
        // The driver's judge is not the scenario's (another model): the worker must not quietly ask its own instead.
        var another = JudgeEndpoint.RecordingOnly(new JudgeProvenance { Model = "another-judge", Mode = JudgeMode.Logprobs, Endpoint = scenario.Judge!.Endpoint, ApiKeyEnv = "OPENAI_API_KEY" });
        EpisodeRequest[] sent = [requests[0] with { Judge = another }, requests[1] with { Judge = null }];
        var output = Path.Combine(_dir, "dispatched");

        await using (var connection = await ClusterConnection.ConnectAsync(ClusterOptions.FromArgument(clusterFile), CancellationToken.None))
        await using (var recorder = new TrajectoryRecorder(output))
        {
            var spec = new RunSpec { RunKey = Guid.NewGuid().ToString("n"), RunId = "judge-mismatch", ScenarioJson = File.ReadAllText(scenarioFile), ScenarioPath = scenarioFile, Seed = scenario.Seed };
            await new ClusterDispatcher(connection, spec).RunAsync(sent, [recorder], 4, CancellationToken.None);
        }

        var recorded = Recorded(output);
        var refused = recorded[sent[0].EpisodeId];
        Assert.Equal(Termination.Errored, refused.Termination);
        Assert.Equal("WorkerLost", refused.Error!.Type);
        Assert.Contains("is judged by another-judge", refused.Error.Message, StringComparison.Ordinal);
        Assert.Contains("this worker connected to judge (logprobs mode)", refused.Error.Message, StringComparison.Ordinal);
        var unjudged = recorded[sent[1].EpisodeId];
        Assert.Equal(Termination.Terminated, unjudged.Termination);
        Assert.DoesNotContain("politeness", unjudged.Breakdown!.Scores.Keys);
        Assert.Null(unjudged.Provenance!.Judge);
    }
}
