using System.Diagnostics;
using System.Text.Json;

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

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Train_Json_ReportsSuccessBeforeAfterWarmStartAndAfter(bool warmStart)
    {
        var scenario = Path.Combine(_temp.FullName, "vault.json");
        var output = Path.Combine(_temp.FullName, "out");
        var warm = warmStart ? """, "warm_start": { "episodes": 8, "epochs": 1, "solver": "Forge.Environments.Vault.VaultNoviceSolver" }""" : "";
        await File.WriteAllTextAsync(scenario, $$"""
            {
              "name": "vault", "seed": 1,
              "environments": [ { "id": "game/vault", "tasks": 4 } ],
              "agent": { "type": "policy" }, "group_size": 2, "concurrency": 4,
              "trainer": { "model": { "d_model": 16, "layers": 1, "heads": 2, "max_seq_len": 384 }, "max_new_tokens": 4,
                           "updates": 1, "groups_per_update": 1, "eval_episodes": 4, "checkpoint_every": 0{{warm}} }
            }
            """);

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "train", scenario, "--out", output, "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);   // nothing but the JSON on stdout: no live view
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("updates").GetInt32());
        Assert.InRange(root.GetProperty("success_before").GetDouble(), 0, 1);
        Assert.InRange(root.GetProperty("success_after").GetDouble(), 0, 1);
        var afterWarmStart = root.GetProperty("success_after_warm_start");
        if (warmStart) Assert.InRange(afterWarmStart.GetDouble(), 0, 1);
        else Assert.Equal(JsonValueKind.Null, afterWarmStart.ValueKind);
        Assert.Equal(output, root.GetProperty("output").GetString());
        Assert.True(Directory.Exists(root.GetProperty("final_checkpoint").GetString()), "no final checkpoint");
        // The evaluations the summary reports are the metrics' eval rows, in order.
        var rows = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        var header = rows[0].Split(',');
        var evals = rows.Skip(1).Select(r => r.Split(',')).Where(r => r[0] == "eval")
            .Select(r => double.Parse(r[Array.IndexOf(header, "success_rate")], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        double?[] expected = warmStart
            ? [root.GetProperty("success_before").GetDouble(), afterWarmStart.GetDouble(), root.GetProperty("success_after").GetDouble()]
            : [root.GetProperty("success_before").GetDouble(), root.GetProperty("success_after").GetDouble()];
        Assert.Equal(expected, evals.Select(e => (double?)e));
    }
}
