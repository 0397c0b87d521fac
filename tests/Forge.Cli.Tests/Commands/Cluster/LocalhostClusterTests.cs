using System.Text.Json;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>Localhost clustering: workers started at once with one command agree on one primary and leave nothing behind.</summary>
public sealed class LocalhostClusterTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-localhost-cluster-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Workers_StartedAtOnce_FormOneClusterAndLeaveNoLockFile()
    {
        var (silo, gateway) = (LoopbackPort.Free(), LoopbackPort.Free());
        var clusterFile = Path.Combine(_temp.FullName, "cluster.json");
        await File.WriteAllTextAsync(clusterFile, $$"""{ "membership": "localhost", "cluster_id": "lh-{{Guid.NewGuid():n}}", "primary_silo_port": {{silo}}, "primary_gateway_port": {{gateway}} }""");
        var lockFile = Path.Combine(Path.GetTempPath(), $"forge-localhost-{silo}.lock");
        using var cluster = new ClusterProcesses(_temp.FullName);

        var workers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => cluster.StartWorkerAsync("--cluster", clusterFile, "--capacity", "2")));

        var (code, status, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "cluster", "status", "--cluster", clusterFile, "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(status);
        var listed = json.RootElement.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("address").GetString()!).Order().ToList();
        Assert.Equal(workers.Select(w => w.Address).Order(), listed);   // one cluster of three, not three of one
        Assert.False(File.Exists(lockFile), $"{lockFile} was left behind");
    }

    [Fact]
    public async Task Status_NoWorkerListening_SaysSoAtOnceNamingTheGatewayPort()
    {
        var gateway = LoopbackPort.Free();
        var clusterFile = Path.Combine(_temp.FullName, "cluster.json");
        await File.WriteAllTextAsync(clusterFile, $$"""{ "membership": "localhost", "cluster_id": "lh-{{Guid.NewGuid():n}}", "primary_silo_port": {{LoopbackPort.Free()}}, "primary_gateway_port": {{gateway}} }""");

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "cluster", "status", "--cluster", clusterFile, "--json");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains($"nothing listens on 127.0.0.1:{gateway}", stderr, StringComparison.Ordinal);
        Assert.Contains("forge worker --cluster", stderr, StringComparison.Ordinal);
    }
}
