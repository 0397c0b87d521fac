using System.Diagnostics;
using Forge.Agents.ChatFormat;
using Forge.Core;
using Forge.Agents.Scripted;
using Forge.Core.Scripted;
using Forge.Environments.PythonCoding;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Sandbox;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Pipeline;
using Forge.Training.Rl;
using Forge.Training.Tokenization;

namespace Forge.Training.Tests.Pipeline;

/// <summary>
/// code/python-functions trains and evaluates on the scenario's sandbox backend: a few GRPO updates with a tiny policy,
/// the solver's warm-start episodes graded by hidden tests run in the sandbox, and nothing left behind afterwards.
/// The local backend runs wherever bubblewrap isolates; the Docker one where an engine and the sandbox image are there
/// (both are required on CI, where scripts/test prepares them).
/// </summary>
[Collection(GlobalRngCollection.Name)]   // the run seeds TorchSharp's global generator
public sealed class SandboxedTrainingTests
{
    private const string Code = """[{ "id": "code/python-functions", "tasks": 6 }]""";

    // The byte-level prompt of a shipped coding task is up to ~1000 tokens; the policy only has to fit it, not to be good.
    private const string EvalTrainer = """
        { "model": { "d_model": 32, "layers": 1, "heads": 2, "max_seq_len": 1280 }, "max_new_tokens": 8, "eval_episodes": 3 }
        """;

    // One short task, so that a tiny policy warm-started on the fenced reference writes it often but not always: the
    // hidden tests, run in the sandbox, then score the members of a group differently and the groups carry a signal.
    private const string AbsTask = """
        {"id": "abs", "function": "f", "statement": "Write `f(x)`: the absolute value of the number x.", "reference": "f=abs\n", "examples": [{"args": [-2], "expected": 2}], "tests": [{"args": [-1], "expected": 1}, {"args": [3], "expected": 3}, {"args": [0], "expected": 0}, {"args": [-2.5], "expected": 2.5}]}
        """;

    private const string AbsTrainer = """
        {
          "model": { "d_model": 32, "layers": 1, "heads": 2, "max_seq_len": 768 },
          "updates": 6, "groups_per_update": 2, "max_new_tokens": 16, "eval_episodes": 2, "checkpoint_every": 0, "mode": "sync",
          "warm_start": { "episodes": 8, "epochs": 4, "learning_rate": 0.01, "batch_tokens": 768, "solver": "Forge.Training.Tests.Pipeline.FencedReferenceSolver" }
        }
        """;

    [SkippableTheory]
    [InlineData("local")]
    [InlineData("docker")]
    public async Task RunAsync_PythonFunctionsOnSandbox_UpdatesRunOnEpisodesTheSandboxScored(string backend)
    {
        var sandbox = Require(backend);
        var output = PipelineFixtures.TempDirectory();
        try
        {
            var registry = AbsRegistry(output);
            var scenario = PipelineFixtures.Scenario(AbsTrainer, groupSize: 4, environments: """[{ "id": "code/python-functions" }]""", sandbox: sandbox);
            var rows = new List<UpdateMetrics>();
            var result = await TrainingRun.RunAsync(new TrainingSetup
            {
                Scenario = scenario, Registry = registry, OutputDirectory = output, Device = "cpu", TensorBoard = false,
                Options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path), OnRow = rows.Add,
            }, CancellationToken.None);

            Assert.Equal(6, result.Updates);   // six chances for a group the sandbox scores unevenly (one in three runs of three had none)
            Assert.Equal(["eval", .. Enumerable.Repeat("warm_start", 4), "eval", .. Enumerable.Repeat("rl", 6), "eval"], rows.Select(r => r.Phase));
            Assert.All(rows, r => Assert.True(r.ErroredEpisodes == 0, $"{r.Phase} {r.Step}: {r.ErroredEpisodes} errored episodes, first: {r.FirstError}"));
            var rl = rows.Where(r => r.Phase == "rl").ToList();
            Assert.All(rl, r => Assert.Equal(2 * 4, r.Episodes));
            Assert.Contains(rl, r => r.Update is not null);   // a group whose members the sandbox scored differently
            Assert.Equal(rl.Count(r => r.Update is not null), rows[^1].PolicyVersion);
            var csv = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
            Assert.Equal(rows.Count + 1, csv.Length);
            Assert.Contains("success_rate/code/python-functions", csv[0]);

            var recorded = TrajectoryReader.Read(Path.Combine(output, TrajectoryRecorder.DefaultFileName));
            Assert.Empty(recorded.Corrupt);
            Assert.DoesNotContain(recorded.Trajectories, t => t.Termination == Termination.Errored);
            var solved = recorded.Trajectories.Where(t => t.AgentId == "warm-start").ToList();
            Assert.Equal(8, solved.Count);
            Assert.All(solved, t => Assert.Equal(1.1, t.TotalReward, 9));   // every hidden test passed in the sandbox, and the token budget held
            var policy = recorded.Trajectories.Where(t => t.AgentId == "policy" && t.GroupId.StartsWith("train:", StringComparison.Ordinal)).ToList();
            Assert.Contains(policy, t => t.TotalReward > 1.0);
            Assert.Contains(policy, t => t.TotalReward < 1.0);
            AssertNothingLeft(backend);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [SkippableFact]
    public async Task EvaluateAsync_PythonFunctionsOnLocalSandbox_ScoresEveryEpisode()
    {
        var sandbox = Require("local");
        var scenario = PipelineFixtures.Scenario(EvalTrainer, groupSize: 2, environments: Code, sandbox: sandbox);
        var options = TrainerOptions.FromJson(scenario.Trainer, scenario.Path);
        var root = PipelineFixtures.TempDirectory();
        try
        {
            var checkpoint = Path.Combine(root, "checkpoint");
            var tokenizer = new ByteTokenizer(ChatMarkers.All);
            using (var model = new CausalTransformer(options.Model with { VocabSize = tokenizer.VocabSize }, seed: 5))
                Checkpoint.Save(checkpoint, model, tokenizer, new TrainingProgress(0, 0));

            var row = await TrainingRun.EvaluateAsync(new TrainingSetup
            {
                Scenario = scenario, Registry = PipelineFixtures.Registry, OutputDirectory = Path.Combine(root, "eval"), Device = "cpu",
                TensorBoard = false, Options = options, Resume = checkpoint,
            }, CancellationToken.None);

            Assert.Equal("eval", row.Phase);
            Assert.Equal(3, row.Episodes);
            Assert.True(row.ErroredEpisodes == 0, $"{row.ErroredEpisodes} errored episodes, first: {row.FirstError}");
            Assert.Equal(2, File.ReadAllLines(Path.Combine(root, "eval", "metrics.csv")).Length);
            var recorded = TrajectoryReader.Read(Path.Combine(root, "eval", TrajectoryRecorder.DefaultFileName));
            Assert.Equal(3, recorded.Trajectories.Count);
            Assert.All(recorded.Trajectories, t => Assert.NotEqual(Termination.Errored, t.Termination));
            AssertNothingLeft("local");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A registry whose code/python-functions reads <see cref="AbsTask"/> from <paramref name="directory"/>.</summary>
    private static EnvironmentRegistry AbsRegistry(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "abs.jsonl"), AbsTask + "\n");
        var path = Path.Combine(directory, EnvironmentRegistry.FileName);
        File.WriteAllText(path, """
            {
              "schema_version": 2,
              "environments": {
                "code/python-functions": {
                  "tasks": { "file": "abs.jsonl" },
                  "limits": { "max_turns": 2, "tool_timeout_s": 15, "step_timeout_s": 30, "episode_timeout_s": 120 },
                  "reward_mode": "graded"
                }
              }
            }
            """);
        return EnvironmentRegistry.Load(path);
    }

    /// <summary>The scenario's sandbox section for <paramref name="backend"/>; skips (fails on CI) where the backend can't isolate here.</summary>
    private static string Require(string backend)
    {
        var options = new SandboxOptions { Backend = backend, PoolSize = 2 };
        var isolation = SandboxProviders.Diagnose(options).Single(i => i.Backend == backend);
        if (!isolation.Isolated)
        {
            var reason = $"the {backend} sandbox can't isolate here: {string.Join("; ", isolation.Missing)}";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail($"CI=true, so this test may not skip: {reason}");
            Skip.If(true, reason);
        }
        return $$"""{ "backend": "{{backend}}", "pool_size": 2 }""";
    }

    /// <summary>The run removed every sandbox it made: no folder of this process under the local root, no container it owns.</summary>
    private static void AssertNothingLeft(string backend)
    {
        if (backend == "local")
        {
            var root = Path.Combine(Path.GetTempPath(), "forge-sandboxes");
            var ours = Directory.Exists(root) ? Directory.GetDirectories(root, $"{Environment.ProcessId}-*") : [];
            Assert.Empty(ours);
            return;
        }
        using var docker = Process.Start(new ProcessStartInfo("docker", ["ps", "-aq", "--filter", $"label=forge.owner-pid={Environment.ProcessId}"])
        {
            RedirectStandardOutput = true,
        })!;
        var left = docker.StandardOutput.ReadToEnd().Trim();
        docker.WaitForExit();
        Assert.Equal("", left);
    }
}

/// <summary>Answers a coding task with its reference solution in a fenced block (the plain-reply way to submit).</summary>
public sealed class FencedReferenceSolver() : ScriptedAgent<CodeTask>("scripted/fenced")
{
    /// <inheritdoc />
    protected override Message Act(CodeTask task, AgentTurn turn) => Message.Assistant($"```\n{task.Reference}```");
}
