using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Cli.Tests.Commands.Serve;
using Forge.Serving.Tests.Models;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Run;

/// <summary>
/// The shipped judged scenario end to end: <c>forge run</c> with support/desk's politeness judge asking a <c>forge serve</c>
/// process on 127.0.0.1 (through the OpenAI client, logprobs mode), then the log re-executed with that server stopped.
/// </summary>
public sealed class JudgedRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-judged-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Run_JudgeOnForgeServe_ThenRerunAllWithTheServerStopped_SameRewardsNoJudgeCall()
    {
        var checkpoint = JudgeServer.Checkpoint(Path.Combine(_dir, "judge"));   // served as model "judge"
        var port = LoopbackPort.Free();
        await using var counter = new CountingProxy($"http://127.0.0.1:{port}/");   // forge reaches the judge through it
        var scenario = JudgeServer.ShippedScenario(_dir, counter.Port);
        (int ExitCode, string Stdout, string Stderr) run = (-1, "", "forge serve never became ready");
        (int ExitCode, string Stdout, string Stderr) liveRerun = (-1, "", "not run");
        var callsAfterRun = -1;

        var serve = await JudgeServer.ServeWhileAsync(_dir, checkpoint, port, async () =>
        {
            run = await ForgeProcess.RunAsync(_dir, "run", scenario, "--json");
            callsAfterRun = counter.ChatCompletions;
            // With the judge still up: a rerun asks it nothing.
            if (run.ExitCode == 0)
                liveRerun = await ForgeProcess.RunAsync(_dir, "replay", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("trajectories").GetString()!, "--rerun-all", "--json");
        });

        Assert.True(serve.ExitCode == 0, serve.Stderr);
        Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
        using var summary = JsonDocument.Parse(run.Stdout);
        var log = summary.RootElement.GetProperty("trajectories").GetString()!;
        var recorded = TrajectoryReader.Read(log).Trajectories;
        Assert.Equal(8, recorded.Count);
        // One request per distinct question (episodes that played a ticket the same way share the cached verdict).
        var questions = recorded.Select(t => t.Breakdown!.Judgements!["politeness"].PromptHash).Distinct().Count();
        Assert.Equal(questions, callsAfterRun);
        Assert.True(liveRerun.ExitCode == 0, liveRerun.Stderr + liveRerun.Stdout);
        Assert.Equal(callsAfterRun, counter.ChatCompletions);   // the rerun called the judge 0 times
        foreach (var t in recorded)
        {
            // The judge checkpoint puts P(y) = 3·P(n) on its first token, whatever it reads: P(yes) / (P(yes) + P(no)) = 0.75.
            Assert.Equal(JudgeServer.Verdict, t.Breakdown!.Scores["politeness"], 4);
            var judgement = t.Breakdown.Judgements!["politeness"];
            Assert.Equal(("judge", Forge.Core.Rewards.JudgeMode.Logprobs), (judgement.Model, judgement.Mode));
            Assert.Equal(["y", "n"], judgement.FirstTokenLogprobs!.Take(2).Select(l => l.Token));
            Assert.Equal($"http://127.0.0.1:{counter.Port}/v1", t.Provenance!.Judge!.Endpoint);
        }

        // The server is gone: every verdict must come from the recording.
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "replay", log, "--rerun-all", "--json");
        Assert.True(code == 0, stderr + stdout);
        using var rerun = JsonDocument.Parse(stdout);
        Assert.Equal(8, rerun.RootElement.GetProperty("reproduced").GetArrayLength());
        var one = await ForgeProcess.RunAsync(_dir, "replay", log, "--episode", recorded[0].EpisodeId, "--rerun");
        Assert.True(one.ExitCode == 0, one.Stderr + one.Stdout);
        Assert.Contains("1 judge verdict was scored again from the recording, without a judge call", one.Stdout);
        Assert.Equal(callsAfterRun, counter.ChatCompletions);
        var shown = await ForgeProcess.RunAsync(_dir, "replay", log, "--episode", recorded[0].EpisodeId);
        Assert.Contains("politeness (judged by judge, logprobs mode): y [first token: 'y' -0.2877, 'n' -1.3863", shown.Stdout);
    }

    [Fact]
    public async Task Train_WithAJudge_RolloutsAndEvaluationsAreJudgedOnForgeServe()
    {
        var checkpoint = JudgeServer.Checkpoint(Path.Combine(_dir, "judge"));
        var port = LoopbackPort.Free();
        await using var counter = new CountingProxy($"http://127.0.0.1:{port}/");
        var scenario = JudgeServer.TrainingScenario(_dir, counter.Port, updates: 2);
        (int ExitCode, string Stdout, string Stderr) train = (-1, "", "forge serve never became ready");

        var serve = await JudgeServer.ServeWhileAsync(_dir, checkpoint, port, async () =>
            train = await ForgeProcess.RunAsync(_dir, "train", scenario, "--out", Path.Combine(_dir, "train"), "--json", "--device", "cpu"));

        Assert.True(serve.ExitCode == 0, serve.Stderr);
        Assert.True(train.ExitCode == 0, train.Stderr + train.Stdout);
        var recorded = TrajectoryReader.Read(Path.Combine(_dir, "train", "trajectories.forge")).Trajectories;
        // Episodes the end of training cut short are recorded as cancelled; every other one was scored, judge included.
        var rollouts = recorded.Where(t => t.GroupId.StartsWith("train:", StringComparison.Ordinal) && t.Termination != Forge.Core.Termination.Cancelled).ToList();
        var evaluations = recorded.Where(t => t.GroupId.StartsWith("eval:", StringComparison.Ordinal)).ToList();
        Assert.True(rollouts.Count >= 8, $"{rollouts.Count} rollouts");   // 2 updates × 2 groups × 2, and any the next round finished
        Assert.Equal(4, evaluations.Count);       // before and after
        Assert.True(counter.ChatCompletions > 0);
        foreach (var t in rollouts.Concat(evaluations))
        {
            // Whatever the untrained policy said, the judge was asked and its verdict is in the reward (P(yes) = 0.75).
            Assert.Equal(JudgeServer.Verdict, t.Breakdown!.Scores["politeness"], 4);
            Assert.Equal("judge", t.Breakdown.Judgements!["politeness"].Model);
            Assert.Equal($"http://127.0.0.1:{counter.Port}/v1", t.Provenance!.Judge!.Endpoint);
        }
    }

    [SkippableFact]
    public async Task Run_AgentProgramsWithAJudge_TheProgramsRubricAndTheEnvironmentsAskIt()
    {
        Requirement.Python3();
        var checkpoint = JudgeServer.Checkpoint(Path.Combine(_dir, "judge"));
        var port = LoopbackPort.Free();
        await using var counter = new CountingProxy($"http://127.0.0.1:{port}/");
        TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));
        var python = Path.Combine(ForgeProcess.RepositoryRoot, "environments", "SupportDesk", "programs", "support_desk_agent.py");
        // The Semantic Kernel program in process (scored by its own rubric) and the Python one (scored by support/desk's).
        var scenarios = new[] { ("in-process", "\"program\": \"support-desk\""), ("process", $"\"command\": [ \"python3\", \"{python}\" ]") }
            .Select(p => (Name: p.Item1, Path: ProgramScenario(p.Item1, p.Item2, counter.Port))).ToList();
        var runs = new List<(int ExitCode, string Stdout, string Stderr)>();

        var serve = await JudgeServer.ServeWhileAsync(_dir, checkpoint, port, async () =>
        {
            foreach (var (_, path) in scenarios) runs.Add(await ForgeProcess.RunAsync(_dir, "run", path, "--json"));
        });

        Assert.True(serve.ExitCode == 0, serve.Stderr);
        Assert.Equal(2, runs.Count);
        foreach (var run in runs)
        {
            Assert.True(run.ExitCode == 0, run.Stderr + run.Stdout);
            var recorded = TrajectoryReader.Read(JsonNode.Parse(run.Stdout)!["trajectories"]!.GetValue<string>()).Trajectories;
            Assert.Equal(2, recorded.Count);
            foreach (var t in recorded)
            {
                Assert.Equal(JudgeServer.Verdict, t.Breakdown!.Scores["politeness"], 4);
                Assert.Equal("judge", t.Breakdown.Judgements!["politeness"].Model);
                Assert.Equal($"http://127.0.0.1:{counter.Port}/v1", t.Provenance!.Judge!.Endpoint);
            }
        }
        Assert.True(counter.ChatCompletions > 0);
    }

    /// <summary>An agent-program scenario on the scripted policy with the judge at <paramref name="port"/>; <paramref name="program"/> names the program.</summary>
    private string ProgramScenario(string name, string program, int port)
    {
        var path = Path.Combine(_dir, $"{name}.json");
        File.WriteAllText(path, $$"""
            { "name": "{{name}}", "seed": 1, "environments": [ { "id": "support/desk", "task_ids": [ "order-status" ] } ],
              "agent": { "type": "agent-program", {{program}}, "checkpoint": "scripted", "device": "cpu" },
              "judge": { "endpoint": "http://127.0.0.1:{{port}}/v1", "model": "judge", "mode": "logprobs" },
              "group_size": 2, "episodes_per_task": 2, "concurrency": 2, "output": "out-{{name}}" }
            """);
        return path;
    }
}
