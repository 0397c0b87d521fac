using System.Reflection;
using System.Text.Json;
using Forge.Cli.Commands.Cluster;
using Forge.Cli.Commands.Train;
using Forge.Cluster;
using Spectre.Console.Cli;
using YamlDotNet.RepresentationModel;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>The Kubernetes manifests and the worker image under deploy/ agree with the forge command line and the cluster file format.</summary>
public sealed class DeploymentManifestTests
{
    private static readonly string Deploy = Path.Combine(ForgeProcess.RepositoryRoot, "deploy");

    /// <summary>Every document of every manifest, by kind and name.</summary>
    private static readonly Dictionary<string, YamlMappingNode> Objects = Load();

    private static Dictionary<string, YamlMappingNode> Load()
    {
        var objects = new Dictionary<string, YamlMappingNode>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(Deploy, "kubernetes"), "*.yaml"))
        {
            var stream = new YamlStream();
            using (var reader = File.OpenText(file)) stream.Load(reader);
            foreach (var document in stream.Documents)
            {
                var root = (YamlMappingNode)document.RootNode;
                objects.Add($"{Scalar(root, "kind")}/{Scalar(Map(root, "metadata"), "name")}", root);
            }
        }
        return objects;
    }

    private static YamlMappingNode Map(YamlNode node, params string[] path) =>
        (YamlMappingNode)path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Value!;

    private static List<string> Strings(YamlNode node, string key) =>
        [.. ((YamlSequenceNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Children.Select(c => ((YamlScalarNode)c).Value!)];

    private static YamlMappingNode Container(string kindAndName)
    {
        var spec = Map(Objects[kindAndName], "spec", "template", "spec");
        return (YamlMappingNode)((YamlSequenceNode)spec.Children[new YamlScalarNode("containers")]).Children.Single();
    }

    private static HashSet<string> OptionsOf<TSettings>() where TSettings : CommandSettings =>
        [.. typeof(TSettings).GetProperties().SelectMany(p => p.GetCustomAttribute<CommandOptionAttribute>()?.LongNames ?? []).Select(n => $"--{n}")];

    private static ClusterOptions ClusterFile(out JsonElement raw)
    {
        var json = Scalar(Map(Objects["ConfigMap/forge-cluster"], "data"), "cluster.json");
        using var document = JsonDocument.Parse(json);
        raw = document.RootElement.Clone();
        return ClusterOptions.Parse(raw, "deploy/kubernetes/cluster-config.yaml", "$.data['cluster.json']");
    }

    private static void AssertOptionsExist(IEnumerable<string> args, HashSet<string> known, string what) =>
        Assert.All(args.Where(a => a.StartsWith("--", StringComparison.Ordinal)), a => Assert.True(known.Contains(a), $"{what}: forge has no option {a}"));

    [Fact]
    public void Worker_ArgumentsAreForgeWorkerOptions_ClusterFileMountedWhereTheyPoint()
    {
        var container = Container("Deployment/forge-worker");
        var args = Strings(container, "args");
        AssertOptionsExist(args, OptionsOf<WorkerCommand.Settings>(), "worker Deployment");
        var mount = ((YamlSequenceNode)container.Children[new YamlScalarNode("volumeMounts")]).Children.Cast<YamlMappingNode>().Single(m => Scalar(m, "name") == "cluster");
        Assert.Equal(args[args.IndexOf("--cluster") + 1], Scalar(mount, "mountPath"));
        Assert.Equal("cluster.json", Scalar(mount, "subPath"));
        Assert.True(int.Parse(args[args.IndexOf("--capacity") + 1]) >= 1);
        // The image runs `forge worker` with the same default arguments.
        var dockerfile = File.ReadAllLines(Path.Combine(Deploy, "worker", "Dockerfile"));
        Assert.Contains("ENTRYPOINT [\"/opt/forge/forge\", \"worker\"]", dockerfile);
        Assert.Contains("CMD [" + string.Join(", ", args.Select(a => $"\"{a}\"")) + "]", dockerfile);
    }

    [Fact]
    public void Worker_OrleansLabelsAndPortsMatchTheClusterFile()
    {
        var options = ClusterFile(out _);
        var labels = Map(Objects["Deployment/forge-worker"], "spec", "template", "metadata", "labels");
        Assert.Equal(options.ClusterId, Scalar(labels, "orleans/clusterId"));
        Assert.Equal(options.ClusterId, Scalar(labels, "orleans/serviceId"));
        Assert.True(options.Kubernetes, "the cluster file must ask for Kubernetes hosting");
        var ports = ((YamlSequenceNode)Container("Deployment/forge-worker").Children[new YamlScalarNode("ports")]).Children.Cast<YamlMappingNode>()
            .Select(p => int.Parse(Scalar(p, "containerPort"))).ToHashSet();
        Assert.Superset(ports, new HashSet<int> { 11111, 30000 });
        var env = ((YamlSequenceNode)Container("Deployment/forge-worker").Children[new YamlScalarNode("env")]).Children.Cast<YamlMappingNode>().Select(e => Scalar(e, "name")).ToHashSet();
        Assert.Superset(env, new HashSet<string> { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID" });
    }

    [Fact]
    public void ClusterFile_NamesTheRedisServiceAndItsPort_RedisIsDurable()
    {
        var options = ClusterFile(out _);
        Assert.Equal(Membership.Redis, options.Membership);
        var (host, port) = (options.Redis!.Split(':')[0], int.Parse(options.Redis.Split(':')[1]));
        var service = Map(Objects[$"Service/{host}"], "spec");
        Assert.Contains(((YamlSequenceNode)service.Children[new YamlScalarNode("ports")]).Children.Cast<YamlMappingNode>(), p => Scalar(p, "port") == port.ToString());
        var redisArgs = Strings(Container($"Deployment/{host}"), "args");
        Assert.Equal("yes", redisArgs[redisArgs.IndexOf("--appendonly") + 1]);
    }

    [Fact]
    public void TrainerJob_RunsForgeTrainWithItsOptions_OnTheSameClusterFile()
    {
        var container = Container("Job/forge-trainer");
        var args = Strings(container, "args");
        Assert.Equal("train", args[0]);
        AssertOptionsExist(args, OptionsOf<TrainCommand.Settings>(), "trainer Job");
        Assert.Equal(args[args.IndexOf("--cluster") + 1], Strings(Container("Deployment/forge-worker"), "args")[1]);
        Assert.Equal(Scalar(Container("Deployment/forge-worker"), "image"), Scalar(container, "image"));
    }

    [Fact]
    public void WorkerImage_IsTheOneTheBuildScriptTags()
    {
        var script = File.ReadAllText(Path.Combine(ForgeProcess.RepositoryRoot, "scripts", "build-worker-image"));
        Assert.Contains($":-{Scalar(Container("Deployment/forge-worker"), "image")}}}", script);
    }
}
