using Forge.Agents.Scripted;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Registry;
using Forge.Host;
using Forge.Host.Scenarios;

namespace Forge.Viewer.Tests;

/// <summary>
/// A folder of runs made for the viewer's tests, once per test class that uses it:
/// <c>quickstart/</c> — the quickstart scenario's episodes run by the host with its scripted solvers behind the noisy agent
/// (so some fail, some make tool errors), and <c>quickstart/train/</c> with a metrics.csv from a real quickstart training run
/// and two checkpoint folders; <c>damaged/</c> — the v1 sample log with a flipped byte and a torn tail; <c>newer/</c> — a
/// log whose header says format 9; <c>escapes/</c> — an episode whose text holds control characters and undecodable text.
/// </summary>
public sealed class ViewerRuns : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("forge-viewer-tests-").FullName;

    public string Quickstart => Path.Combine(Root, "quickstart", TrajectoryRecorder.DefaultFileName);

    public string RegistryPath => Path.Combine(AppContext.BaseDirectory, "environments.json");

    public IReadOnlyList<Trajectory> QuickstartEpisodes { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var registry = EnvironmentRegistry.Load(RegistryPath);
        var scenario = Scenario.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "quickstart.json"));
        var requests = scenario.ExpandRequests(registry);
        var solvers = scenario.Environments.ToDictionary(e => e.Id, e => registry.Get(e.Id).CreateSolver()!);
        var agent = new NoisyAgent(new RoutingAgent(solvers), errorRate: 0.3);
        var engine = new RolloutEngine(new RolloutOptions { Concurrency = 8, RunId = "quickstart" }, id => registry.Get(id).Create(), agent);
        await using (var recorder = new TrajectoryRecorder(Path.Combine(Root, "quickstart")))
            await engine.RunAsync(requests, [recorder], CancellationToken.None);
        QuickstartEpisodes = TrajectoryReader.Read(Quickstart).Trajectories;

        var train = Directory.CreateDirectory(Path.Combine(Root, "quickstart", "train")).FullName;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestData", "metrics.csv"), Path.Combine(train, "metrics.csv"));
        foreach (var checkpoint in new[] { "update-00010", "final" })
        {
            var folder = Directory.CreateDirectory(Path.Combine(train, "checkpoints", checkpoint)).FullName;
            await File.WriteAllBytesAsync(Path.Combine(folder, "policy.bin"), new byte[1000]);
            await File.WriteAllTextAsync(Path.Combine(folder, "config.json"), "{}");
        }

        var v1 = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "v1.forge"));
        var damaged = (byte[])v1.Clone();
        damaged[200] ^= 0xFF;                                            // inside the first record
        Write(Path.Combine(Root, "damaged"), damaged.AsSpan(0, damaged.Length - 7).ToArray());

        var newer = (byte[])v1.Clone();
        newer[8] = 9;
        Write(Path.Combine(Root, "newer"), newer);

        await using (var recorder = new TrajectoryRecorder(Path.Combine(Root, "escapes")))
            await recorder.OnTrajectoryAsync(EscapesEpisode, CancellationToken.None);
    }

    /// <summary>An episode whose assistant wrote an ANSI escape, a NUL, a lone surrogate and the replacement character.</summary>
    public static Trajectory EscapesEpisode { get; } = new()
    {
        EpisodeId = "escapes-1", EnvironmentId = "math/arithmetic", TaskId = "t\u0007ask", AgentId = "policy", PolicyVersion = 0,
        Prompt = [Message.User("say something")],
        Steps =
        [
            new Step
            {
                Index = 0,
                Action = new Message { Role = Role.Assistant, Content = "ok \u001b[31mred\u001b[0m \u0000 \ud800 \ufffd done", TokenIds = [5, 6, 7], LogProbs = [-0.1f, -2.5f, -9f] },
            },
        ],
        Termination = Termination.Truncated, TruncationReason = "max_turns",
    };

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    private static void Write(string folder, byte[] bytes)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, TrajectoryRecorder.DefaultFileName), bytes);
    }
}
