using System.Diagnostics;

namespace Forge.Cli.Tests.Commands.Train;

/// <summary>
/// <c>forge train</c> on an environment that needs a sandbox, stopped by a signal: it ends with 130 and removes its
/// sandboxes (the local sandbox must work here: scripts/install-sandbox-deps).
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-train-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Theory]
    [InlineData("-INT", 1)]
    [InlineData("-TERM", 2)]   // as `timeout` sends it: to the process and to its group, at once
    public async Task Train_SandboxedScenarioStoppedBySignal_Exit130AndSandboxesRemoved(string signal, int times)
    {
        var scenario = Path.Combine(_temp.FullName, "code.json");
        var output = Path.Combine(_temp.FullName, "out");
        await File.WriteAllTextAsync(scenario, """
            {
              "name": "code", "seed": 1,
              "environments": [ { "id": "code/python-functions", "tasks": 6 } ],
              "agent": { "type": "policy" }, "group_size": 2, "concurrency": 4,
              "sandbox": { "backend": "local", "pool_size": 2 },
              "trainer": { "model": { "d_model": 32, "layers": 1, "heads": 2, "max_seq_len": 1280 }, "max_new_tokens": 8,
                           "updates": 100000, "groups_per_update": 2, "eval_episodes": 2, "checkpoint_every": 0 }
            }
            """);
        var sandboxes = Path.Combine(Path.GetTempPath(), "forge-sandboxes");
        var pid = 0;

        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, ["train", scenario, "--out", output], async id =>
        {
            pid = id;
            // Signal once the first policy update was logged: the sandboxes are live and episodes are running in them.
            var metrics = Path.Combine(output, "metrics.csv");
            var waited = Stopwatch.StartNew();
            while (!(File.Exists(metrics) && File.ReadLines(metrics).Any(l => l.StartsWith("rl,", StringComparison.Ordinal))) && waited.Elapsed < TimeSpan.FromSeconds(90))
                await Task.Delay(100);
            Assert.NotEmpty(Directory.GetDirectories(sandboxes, $"{id}-*"));
            for (var i = 0; i < times; i++)
            {
                using var kill = Process.Start("kill", [signal, id.ToString()]);
                await kill.WaitForExitAsync();
            }
        });

        Assert.True(code == 130, $"exit {code}: {stderr}");
        Assert.Contains("forge: stopping; the training run ends and removes its sandboxes", stderr);
        Assert.Empty(Directory.GetDirectories(sandboxes, $"{pid}-*"));
        var metricsRows = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        var errored = Array.IndexOf(metricsRows[0].Split(','), "errored_episodes");
        Assert.All(metricsRows.Skip(1), row => Assert.Equal("0", row.Split(',')[errored]));
    }
}
