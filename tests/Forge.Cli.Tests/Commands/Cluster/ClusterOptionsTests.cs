using Forge.Cluster;

namespace Forge.Cli.Tests.Commands.Cluster;

public sealed class ClusterOptionsTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-cluster-options-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string File(string json)
    {
        var path = Path.Combine(_temp.FullName, "cluster.json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void FromArgument_Localhost_DevelopmentClusteringWithDefaults()
    {
        var options = ClusterOptions.FromArgument("localhost");

        Assert.Equal(Membership.Localhost, options.Membership);
        Assert.Equal("forge", options.ClusterId);
        Assert.Equal(3, options.MaxAttempts);
    }

    [Fact]
    public void FromArgument_RedisFile_EveryFieldRead()
    {
        var options = ClusterOptions.FromArgument(File("""{ "membership": "redis", "redis": "10.0.0.5:6379", "cluster_id": "c1", "in_flight_per_worker": 3, "max_attempts": 5, "drain_after_failures": 2, "grace_seconds": 7, "probe_timeout_seconds": 1.5, "kubernetes": true }"""));

        Assert.Equal((Membership.Redis, "10.0.0.5:6379", "c1", 3, 5, 2), (options.Membership, options.Redis, options.ClusterId, options.InFlightPerWorker, options.MaxAttempts, options.DrainAfterFailures));
        Assert.Equal((TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(1.5), true), (options.Grace, options.ProbeTimeout, options.Kubernetes));
    }

    [Fact]
    public void FromArgument_BadFile_EveryProblemNamedWithFileAndPath()
    {
        var path = File("""{ "membership": "redis", "cluster_idd": "x", "max_attempts": 0, "kubernetes": "yes" }""");

        var e = Assert.ThrowsAny<FormatException>(() => ClusterOptions.FromArgument(path));

        Assert.Contains($"{path}: $.cluster_idd: unknown property \"cluster_idd\". Did you mean \"cluster_id\"?", e.Message);
        Assert.Contains($"{path}: $.redis: is required", e.Message);
        Assert.Contains($"{path}: $.max_attempts: must be between 1 and 100 (got 0)", e.Message);
        Assert.Contains($"{path}: $.kubernetes: expected true or false", e.Message);
    }

    [Fact]
    public void FromArgument_MissingFileOrInvalidJson_SaysWhich()
    {
        Assert.Contains("nowhere.json doesn't exist", Assert.Throws<FileNotFoundException>(() => ClusterOptions.FromArgument("nowhere.json")).Message);
        var path = File("{ \"membership\": ");
        Assert.StartsWith($"{path}: $: line 1, column", Assert.ThrowsAny<FormatException>(() => ClusterOptions.FromArgument(path)).Message);
    }
}
