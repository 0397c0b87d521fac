using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Cluster;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary><c>forge train --cluster</c>: the rollouts run on a worker, the policy stays in the trainer and plays every turn.</summary>
public sealed class ClusterTrainTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-cluster-train-");

    public void Dispose() => _temp.Delete(recursive: true);

    // forge train --cluster FILE, and forge run on a policy scenario whose "cluster" section names the cluster (its
    // training is the run): the same learning loop, with its rollouts on the worker.
    [SkippableTheory]
    [InlineData("train")]
    [InlineData("run")]
    public async Task Train_OnAClusterWorker_PolicyPlaysEveryTurnInTheTrainer(string command)
    {
        using var cluster = new ClusterProcesses(_temp.FullName);
        await cluster.StartRedisAsync();
        var clusterSection = JsonNode.Parse($$"""{ "membership": "redis", "redis": "127.0.0.1:{{cluster.RedisPort}}", "cluster_id": "train-{{Guid.NewGuid():n}}" }""")!;
        var clusterFile = Path.Combine(_temp.FullName, "cluster.json");
        await File.WriteAllTextAsync(clusterFile, clusterSection.ToJsonString());
        var worker = await cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "8");

        // The quickstart's trainer section, shortened (RunCommandTests runs it in one process).
        var scenario = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ForgeProcess.RepositoryRoot, "scenarios", "quickstart.json")))!.AsObject();
        var trainer = scenario["trainer"]!.AsObject();
        trainer["updates"] = 1;
        trainer["eval_episodes"] = 4;
        trainer["warm_start"]!["episodes"] = 8;
        trainer["warm_start"]!["epochs"] = 1;
        if (command == "run")
        {
            scenario["agent"] = JsonNode.Parse("""{ "type": "policy" }""");
            scenario["cluster"] = clusterSection;
        }
        var path = Path.Combine(_temp.FullName, "train.json");
        await File.WriteAllTextAsync(path, scenario.ToJsonString());
        var output = Path.Combine(_temp.FullName, "out");

        var (code, stdout, stderr) = command == "train"
            ? await ForgeProcess.RunAsync(_temp.FullName, "train", path, "--cluster", clusterFile, "--out", output, "--json")
            : await ForgeProcess.RunAsync(_temp.FullName, "run", path, "--out", output, "--json");

        Assert.True(code == 0, $"exit {code}: {stderr}");
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(1, (command == "train" ? result : result.GetProperty("training")).GetProperty("updates").GetInt32());
        if (command == "run") output = Path.Combine(output, "train");
        var episodes = TrajectoryReader.Read(Path.Combine(output, TrajectoryRecorder.DefaultFileName)).Trajectories;
        Assert.NotEmpty(episodes);
        Assert.All(episodes, t => Assert.Equal(worker.Address, t.Provenance!.Worker));
        // Episodes still running when the trainer had its groups are cancelled (as in one process); the others ran to their end.
        Assert.All(episodes.Where(t => t.Termination != Termination.Cancelled), t =>
        {
            Assert.EndsWith("played at the driver", t.Provenance!.Agent!.Details);
            Assert.NotEqual(Termination.Errored, t.Termination);   // a full context truncates, as in one process
        });
        // The policy's tokens and versions came back with its messages.
        Assert.Contains(episodes, t => t.AgentId == "policy" && t.PolicyVersion is not null && t.Steps.Any(s => s.Action.TokenIds is { Count: > 0 }));
    }

    [Fact]
    public void RemoteReply_Failure_KeepsTheMeaningTheEpisodeDriverGivesIt()
    {
        Assert.IsType<ContextLengthExceededException>(new RemoteReply { ErrorType = nameof(ContextLengthExceededException), ErrorMessage = "full" }.Failure());
        Assert.IsType<TimeoutException>(new RemoteReply { ErrorType = nameof(TimeoutException) }.Failure());
        var other = new RemoteReply { ErrorType = "InvalidOperationException", ErrorMessage = "boom" }.Failure();
        Assert.Equal("InvalidOperationException: boom", Assert.IsType<RemoteAgentException>(other).Message);
    }
}
