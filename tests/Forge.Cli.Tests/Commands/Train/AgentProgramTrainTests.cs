using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Serving.Tests.Models;
using Forge.Training.Checkpoints;
using Forge.Training.Lora;
using static TorchSharp.torch;

namespace Forge.Cli.Tests.Commands.Train;

/// <summary>
/// <c>forge train</c> on agent-program scenarios goes through the one training run: the standard metrics with evaluation
/// rows, periodic and final checkpoints, resume, LoRA, async rollouts and dynamic sampling, with the trainer's weights pushed into the server the programs call
/// (the policy version in their recorded calls goes up) and the updates learnt from the recorded token sequences.
/// </summary>
public sealed class AgentProgramTrainTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-train-program-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Asks the served policy for a few tokens and answers right only when the reply has an even length: math/arithmetic's
    // rubric, which scores the printed answer, gives rewards that vary within a group.
    private const string ParityProgram = """
        import json, os, sys, urllib.request
        task = json.load(sys.stdin)
        body = json.dumps({"model": os.environ["OPENAI_MODEL"], "messages": [{"role": "user", "content": "Say something."}], "max_tokens": 6}).encode()
        request = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/chat/completions", data=body, headers={"Content-Type": "application/json"})
        reply = json.load(urllib.request.urlopen(request))["choices"][0]["message"]["content"] or ""
        print(f"Answer: {task['answer'] if len(reply) % 2 == 0 else task['answer'] + 1}")
        """;

    /// <summary>A scenario training the random checkpoint at <c>policy</c> with the parity program; <paramref name="trainer"/> is added to the trainer section.</summary>
    private string ParityScenario(string trainer)
    {
        Requirement.Python3();
        TestModels.RandomCheckpoint(Path.Combine(_dir, "policy"));   // policy version 3
        File.WriteAllText(Path.Combine(_dir, "agent.py"), ParityProgram);
        var scenario = Path.Combine(_dir, "train-program.json");
        File.WriteAllText(scenario, $$"""
            {
              "name": "train-program", "seed": 1,
              "environments": [ { "id": "math/arithmetic", "tasks": 2 } ],
              "agent": { "type": "agent-program", "command": [ "python3", "agent.py" ], "checkpoint": "policy", "device": "cpu" },
              "group_size": 4, "concurrency": 8, "output": "out",
              "trainer": { "learning_rate": 0.01, "warmup_updates": 0, "groups_per_update": 2, "eval_episodes": 2, {{trainer}} }
            }
            """);
        return scenario;
    }

    [SkippableFact]
    public async Task Train_ProcessProgram_StandardMetricsCheckpointsAndTheServerServesEachUpdate()
    {
        var scenario = ParityScenario("""  "updates": 3, "checkpoint_every": 2, "mode": "sync", "dynamic_sampling": { "max_refills": 4 } """);

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "train", scenario, "--json");

        Assert.True(code == 0, stderr + stdout);
        var result = JsonNode.Parse(stdout)!;
        var output = (string)result["output"]!;
        Assert.Equal(Path.Combine(_dir, "out"), output);
        Assert.Equal(3, (int)result["updates"]!);
        // The standard metrics: an evaluation before and after, an "rl" row per update, the policy version going up with each update that had signal.
        var rows = Metrics(output);
        Assert.Equal(["eval", "rl", "rl", "rl", "eval"], rows.Select(r => r["phase"]));
        Assert.Equal((double)result["success_before"]!, double.Parse(rows[0]["success_rate"], CultureInfo.InvariantCulture));
        Assert.Equal("3", rows[0]["policy_version"]);
        var final = int.Parse(rows[^1]["policy_version"], CultureInfo.InvariantCulture);
        Assert.True(final > 3, $"no update had signal: {string.Join(" | ", rows.Select(r => r["skipped_groups"]))}");
        // Dynamic sampling replaced the groups without signal (up to its cap) with new rollouts of the program.
        Assert.All(rows.Where(r => r["phase"] == "rl"), r => Assert.True(r["refills"] == "4" || r["skipped_groups"] == "0", $"refills {r["refills"]}, skipped {r["skipped_groups"]}"));
        Assert.True(File.Exists(Path.Combine(output, "reward-curve.png")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "tensorboard"), "*", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(output, "checkpoints", "update-00002", "checkpoint.json")));
        // The final checkpoint loads, at the last version, with weights that moved.
        using (var trained = Checkpoint.Load(Path.Combine(_dir, (string)result["final_checkpoint"]!)))
        using (var start = Checkpoint.Load(Path.Combine(_dir, "policy")))
        {
            Assert.Equal(final, trained.Info.PolicyVersion);
            Assert.True(MaxDifference(start.Model, trained.Model) > 1e-6, "the trained weights equal the start's");
        }
        // The rollouts were learnt from their recorded token sequences, and the server served each new version: the calls recorded after an update carry it.
        var recorded = TrajectoryReader.Read(Path.Combine(output, "trajectories.forge")).Trajectories;
        var rollouts = recorded.Where(t => t.GroupId.StartsWith("train:", StringComparison.Ordinal) && t.Termination != Termination.Cancelled).ToList();
        Assert.All(rollouts, t => Assert.Equal(t.Steps.Sum(s => s.Action.TokenIds!.Count), Assert.Single(t.TokenSequences).PolicyMask.Count(m => m)));
        var served = rollouts.Select(t => t.TokenSequences[0].PolicyVersion!.Value).Distinct().Order().ToList();
        Assert.Equal(3, served[0]);
        Assert.True(served.Count > 1, $"every rollout was served version {served[0]}");
        var lastEval = recorded.Where(t => t.GroupId.StartsWith("eval:", StringComparison.Ordinal)).TakeLast(2).ToList();
        Assert.All(lastEval, t => Assert.Equal(final, t.TokenSequences[0].PolicyVersion));
    }

    [SkippableFact]
    public async Task Train_ProcessProgramWithLoraAsync_ServesTheAdaptedPolicyAndSavesAdapters()
    {
        var scenario = ParityScenario("""  "updates": 3, "checkpoint_every": 0, "mode": "async", "lora": { "rank": 4, "alpha": 8 } """);

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "train", scenario, "--json");

        Assert.True(code == 0, stderr + stdout);
        var result = JsonNode.Parse(stdout)!;
        var rows = Metrics((string)result["output"]!);
        Assert.Equal(3, rows.Count(r => r["phase"] == "rl"));
        using var trained = Checkpoint.Load(Path.Combine(_dir, (string)result["final_checkpoint"]!));
        Assert.NotNull(LoraAdapters.Of(trained.Model));
        Assert.True(trained.Info.PolicyVersion > 3, "no update had signal");
        // The server served the adapted policy: the last evaluation's calls carry the final version.
        LastEvaluationServed((string)result["output"]!, (int)trained.Info.PolicyVersion);
    }

    [SkippableFact]
    public async Task Train_HuggingFaceModelFolder_StartsFromItsWeightsAndTrainsTheServedPolicy()
    {
        var scenario = ParityScenario("""  "updates": 2, "checkpoint_every": 0, "mode": "sync", "dynamic_sampling": { "max_refills": 2 } """);
        TestModels.Qwen3Folder(Path.Combine(_dir, "qwen3"));   // a tiny random Qwen3 with the real tokenizer and chat template
        File.WriteAllText(scenario, File.ReadAllText(scenario).Replace("\"checkpoint\": \"policy\"", "\"model\": \"qwen3\""));

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "train", scenario, "--json");

        Assert.True(code == 0, stderr + stdout);
        var result = JsonNode.Parse(stdout)!;
        var rows = Metrics((string)result["output"]!);
        Assert.Equal(["eval", "rl", "rl", "eval"], rows.Select(r => r["phase"]));
        Assert.Equal("0", rows[0]["policy_version"]);
        using var trained = Checkpoint.Load(Path.Combine(_dir, (string)result["final_checkpoint"]!));
        Assert.True(trained.Info.PolicyVersion > 0, "no update had signal");
        // The server served the trained weights: the last evaluation's calls carry the final version.
        LastEvaluationServed((string)result["output"]!, (int)trained.Info.PolicyVersion);
    }

    [SkippableFact]
    public async Task Train_ResumedFromAPeriodicCheckpoint_ServesItsWeightsAndGoesOn()
    {
        var scenario = ParityScenario("""  "updates": 2, "checkpoint_every": 1, "mode": "sync" """);
        var first = await ForgeProcess.RunAsync(_dir, "train", scenario, "--json");
        Assert.True(first.ExitCode == 0, first.Stderr + first.Stdout);
        var checkpoint = Path.Combine(_dir, "out", "checkpoints", "update-00001");
        using var saved = Checkpoint.Load(checkpoint);

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "train", scenario, "--resume", checkpoint, "--updates", "1", "--out", Path.Combine(_dir, "resumed"), "--json");

        Assert.True(code == 0, stderr + stdout);
        var rows = Metrics(Path.Combine(_dir, "resumed"));
        Assert.Equal(["eval", "rl", "eval"], rows.Select(r => r["phase"]));
        Assert.Equal(saved.Info.PolicyVersion.ToString(CultureInfo.InvariantCulture), rows[0]["policy_version"]);
        // The server was serving the checkpoint's weights and version from the first episode on.
        var recorded = TrajectoryReader.Read(Path.Combine(_dir, "resumed", "trajectories.forge")).Trajectories;
        Assert.All(recorded.Where(t => t.GroupId.StartsWith("eval:", StringComparison.Ordinal)).Take(2),
            t => Assert.Equal((int)saved.Info.PolicyVersion, t.TokenSequences[0].PolicyVersion));
    }

    [SkippableTheory]
    [InlineData("support-desk-program.json", true)]   // Semantic Kernel, in process: it sends each reply back unchanged, so its calls stitch
    [InlineData("support-desk-python.json", false)]   // standard-library Python, one process per episode: one call (the scripted policy answers at once)
    public async Task Train_ShippedSupportDeskPrograms_StandardOutputsAndRecordedSequences(string file, bool stitched)
    {
        if (file.Contains("python", StringComparison.Ordinal)) Requirement.Python3();
        TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(ForgeProcess.RepositoryRoot, "scenarios", file)))!;
        json.AsObject().Remove("sandbox");   // the sandboxed program has its own test (SandboxedProgramRunTests)
        if (json["agent"]!["command"] is JsonArray command)
            command[1] = Path.GetFullPath(Path.Combine(ForgeProcess.RepositoryRoot, "scenarios", (string)command[1]!));   // relative to the shipped file
        json["agent"]!.AsObject().Remove("model");
        json["agent"]!["checkpoint"] = Path.Combine(_dir, "scripted");
        json["agent"]!["device"] = "cpu";
        json["environments"]![0]!["tasks"] = 2;
        json["group_size"] = 2;
        json["output"] = Path.Combine(_dir, "out");
        json["trainer"] = JsonNode.Parse("""{ "updates": 1, "groups_per_update": 2, "eval_episodes": 1, "checkpoint_every": 0, "mode": "sync" }""");
        var scenario = Path.Combine(_dir, "support-desk-program.json");
        File.WriteAllText(scenario, json.ToJsonString());

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_dir, "train", scenario, "--json");

        Assert.True(code == 0, stderr + stdout);
        var result = JsonNode.Parse(stdout)!;
        var rows = Metrics(Path.Combine(_dir, "out"));
        Assert.Equal(["eval", "rl", "eval"], rows.Select(r => r["phase"]));
        Assert.All(rows, r => Assert.Equal("0", r["errored_episodes"]));
        using (var final = Checkpoint.Load(Path.Combine(_dir, (string)result["final_checkpoint"]!)))
            Assert.Equal(5, final.Info.PolicyVersion);   // "Hi!" every time: no group had signal, so no update
        Assert.Equal("2", rows[1]["skipped_groups"]);
        var recorded = TrajectoryReader.Read(Path.Combine(_dir, "out", "trajectories.forge")).Trajectories;
        var rollouts = recorded.Where(t => t.GroupId.StartsWith("train:", StringComparison.Ordinal) && t.Termination != Termination.Cancelled).ToList();
        Assert.True(rollouts.Count >= 4, $"{rollouts.Count} rollouts");
        Assert.All(rollouts, t => Assert.Equal(stitched, Assert.Single(t.TokenSequences).Stitched));
        Assert.All(rollouts, t => Assert.Equal("agent-program", t.Provenance!.Agent!.Type));
    }

    [Theory]
    [InlineData("""{ "warm_start": { "episodes": 4 } }""", new string[0], "$.trainer.warm_start: a warm start fine-tunes on a scripted solver's conversations")]
    [InlineData("""{ "model": { "from": "elsewhere" } }""", new string[0], "$.trainer.model.from: the agent program's policy is $.agent.checkpoint")]
    [InlineData("{}", new[] { "--cluster", "localhost" }, "--cluster: agent-program episodes run beside the server their programs call")]
    [InlineData("{}", new[] { "--model", "elsewhere" }, "--model: ")]
    public async Task Train_WhatCannotApplyToAgentPrograms_Exit2NamingIt(string trainer, string[] flags, string message)
    {
        TestModels.ScriptedCheckpoint(Path.Combine(_dir, "scripted"));
        var scenario = Path.Combine(_dir, "refused.json");
        File.WriteAllText(scenario, $$"""
            { "name": "refused", "environments": [ { "id": "support/desk", "tasks": 1 } ],
              "agent": { "type": "agent-program", "program": "support-desk", "checkpoint": "scripted", "device": "cpu" }, "trainer": {{trainer}} }
            """);

        var (code, _, stderr) = await ForgeProcess.RunAsync(_dir, ["train", scenario, .. flags]);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    /// <summary>The rows of <c>DIR/metrics.csv</c>, each by column name.</summary>
    private static List<Dictionary<string, string>> Metrics(string directory)
    {
        var lines = File.ReadAllLines(Path.Combine(directory, "metrics.csv"));
        var header = lines[0].Split(',');
        return [.. lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second))];
    }

    private static double MaxDifference(Forge.Training.Model.CausalTransformer a, Forge.Training.Model.CausalTransformer b)
    {
        using var scope = NewDisposeScope();
        var other = b.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return a.named_parameters().Max(p => (p.parameter - other[p.name]).abs().max().item<float>());
    }

    // The calls of the last evaluation's episodes were served by `version`: the trained weights reached the server.
    private static void LastEvaluationServed(string output, int version)
    {
        var recorded = TrajectoryReader.Read(Path.Combine(output, "trajectories.forge")).Trajectories;
        Assert.All(recorded.Where(t => t.GroupId.StartsWith("eval:", StringComparison.Ordinal)).TakeLast(2), t => Assert.Equal(version, t.TokenSequences[0].PolicyVersion));
    }
}
