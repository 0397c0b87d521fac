using System.Text.Json;
using Forge.Cli.Commands.Cluster;
using Forge.Cli.Commands.Train;
using Forge.Cluster;
using k8s.Models;
using EndpointOptions = Orleans.Configuration.EndpointOptions;
using Orleans.Hosting.Kubernetes;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// The Kubernetes manifests and the worker image under deploy/: read strictly by the official Kubernetes client's models
/// (what the API server would refuse as written fails here), checked for the references between objects the API server
/// doesn't check (selectors, volumes, config keys, RBAC), and against what forge and Orleans' Kubernetes hosting expect
/// (the command lines bind to forge's own settings and pass their validation; ports, labels and environment variables
/// are Orleans' own constants). No Kubernetes cluster runs here: scheduling, networking and the pods themselves are not tested.
/// </summary>
public sealed class DeploymentManifestTests
{
    private static readonly string Deploy = Path.Combine(ForgeProcess.RepositoryRoot, "deploy");
    private static readonly Lazy<KubernetesManifests> LazyManifests = new(() => KubernetesManifests.Load(Path.Combine(Deploy, "kubernetes")));
    private static KubernetesManifests Manifests => LazyManifests.Value;

    /// <summary>ConfigMaps the user creates before applying the manifests (the trainer Job's comment says how).</summary>
    private static readonly HashSet<string> UserConfigMaps = ["forge-scenario"];

    /// <summary>Images built on the machine by scripts/build-worker-image: no registry has them, so they must not be pulled.</summary>
    private const string LocalImage = "forge-worker:latest";

    private static V1Container Container(V1PodTemplateSpec template) => Assert.Single(template.Spec.Containers);

    private static V1PodTemplateSpec Worker => Manifests.Get<V1Deployment>("forge-worker").Spec.Template;

    private static V1PodTemplateSpec Trainer => Manifests.Get<V1Job>("forge-trainer").Spec.Template;

    private static ClusterOptions ClusterFile()
    {
        var json = Manifests.Get<V1ConfigMap>("forge-cluster").Data["cluster.json"];
        using var document = JsonDocument.Parse(json);
        return ClusterOptions.Parse(document.RootElement.Clone(), "deploy/kubernetes/cluster-config.yaml", "$.data['cluster.json']");
    }

    /// <summary>The user and group the image runs as (the Dockerfile's last <c>USER</c>).</summary>
    private static (long User, long Group) ImageUser()
    {
        var user = File.ReadAllLines(Path.Combine(Deploy, "worker", "Dockerfile")).Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Split(':');
        return (long.Parse(user[0]), long.Parse(user[^1]));
    }

    /// <summary>The JSON array of a Dockerfile instruction (<c>ENTRYPOINT [...]</c>).</summary>
    private static string[] DockerfileArray(string instruction)
    {
        var line = File.ReadAllLines(Path.Combine(Deploy, "worker", "Dockerfile")).Single(l => l.StartsWith(instruction + " ", StringComparison.Ordinal));
        return JsonSerializer.Deserialize<string[]>(line[(instruction.Length + 1)..])!;
    }

    [Fact]
    public void Manifests_LoadStrictly_TheObjectsTheDocsName()
    {
        var names = Manifests.All.Select(o => $"{o.Object.Kind}/{o.Object.Metadata.Name}").Order(StringComparer.Ordinal);
        Assert.Equal(["ConfigMap/forge-cluster", "Deployment/forge-redis", "Deployment/forge-worker", "Job/forge-trainer", "PersistentVolumeClaim/forge-trainer-output",
            "Role/forge-worker", "RoleBinding/forge-worker", "Service/forge-redis", "ServiceAccount/forge-worker"], names);
        Assert.All(Manifests.All, o => Assert.False(string.IsNullOrEmpty(o.Object.ApiVersion), $"{o.File}: {o.Object.Kind} has no apiVersion"));
    }

    [Theory]
    [InlineData("containerPort: 11111", "containerPrt: 11111")]   // a field the API doesn't have
    [InlineData("replicas: 3", "replicas: three")]                   // a value of the wrong type
    [InlineData("kind: Deployment", "kind: Deploymnet")]            // a kind that doesn't exist
    public void StrictLoad_ManifestWithAMistake_IsRefusedNamingTheFile(string right, string wrong)
    {
        var yaml = File.ReadAllText(Path.Combine(Deploy, "kubernetes", "worker.yaml"));
        Assert.Contains(right, yaml);
        Assert.NotEmpty(KubernetesManifests.Parse(yaml, "worker.yaml"));
        var e = Assert.Throws<InvalidDataException>(() => KubernetesManifests.Parse(yaml.Replace(right, wrong, StringComparison.Ordinal), "worker.yaml"));
        Assert.StartsWith("worker.yaml: not a valid Kubernetes manifest", e.Message);
    }

    [Fact]
    public void Workloads_SelectorsMatchTheirPods_ServicesReachAContainerPort()
    {
        foreach (var deployment in Manifests.OfType<V1Deployment>())
            Assert.All(deployment.Spec.Selector.MatchLabels, l =>
                Assert.True(deployment.Spec.Template.Metadata.Labels.TryGetValue(l.Key, out var v) && v == l.Value, $"Deployment/{deployment.Metadata.Name}: its selector {l.Key}={l.Value} doesn't match its pods"));
        foreach (var service in Manifests.OfType<V1Service>())
        {
            var pods = Manifests.PodTemplates.Where(p => service.Spec.Selector.All(s => p.Template.Metadata.Labels is { } labels && labels.TryGetValue(s.Key, out var v) && v == s.Value)).ToList();
            var (workload, template) = Assert.Single(pods);
            var ports = template.Spec.Containers.SelectMany(c => c.Ports ?? []).ToList();
            Assert.All(service.Spec.Ports, p => Assert.True(
                p.TargetPort.Value is { } target && ports.Any(c => c.ContainerPort.ToString() == target || c.Name == target),
                $"Service/{service.Metadata.Name}: target port {p.TargetPort?.Value} is no container port of {workload}"));
        }
    }

    [Fact]
    public void Pods_EveryMountHasAVolume_EveryConfigMapAndKeyExists_LocalImagesAreNotPulled()
    {
        foreach (var (workload, template) in Manifests.PodTemplates)
        {
            var volumes = (template.Spec.Volumes ?? []).ToDictionary(v => v.Name);
            if (template.Spec.ServiceAccountName is { } account) Assert.True(Manifests.Has<V1ServiceAccount>(account), $"{workload}: no ServiceAccount {account}");
            foreach (var container in template.Spec.Containers)
            {
                if (container.Image == LocalImage) Assert.Contains(container.ImagePullPolicy, new[] { "IfNotPresent", "Never" });
                foreach (var mount in container.VolumeMounts ?? [])
                {
                    Assert.True(volumes.TryGetValue(mount.Name, out var volume), $"{workload}: mount {mount.Name} has no volume");
                    if (volume!.ConfigMap is not { } source || UserConfigMaps.Contains(source.Name)) continue;
                    var map = Manifests.Get<V1ConfigMap>(source.Name);
                    if (mount.SubPath is { } key) Assert.True(map.Data.ContainsKey(key), $"{workload}: ConfigMap/{source.Name} has no key {key}");
                }
            }
        }
    }

    [Fact]
    public void WorkerRole_GrantsWhatOrleansKubernetesHostingDoes_BoundToTheWorkersAccount()
    {
        var binding = Manifests.Get<V1RoleBinding>("forge-worker");
        Assert.Equal("Role", binding.RoleRef.Kind);
        var role = Manifests.Get<V1Role>(binding.RoleRef.Name);
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == Worker.Spec.ServiceAccountName);
        // The hosting package watches the cluster's pods and deletes those of silos declared dead.
        var pods = Assert.Single(role.Rules, r => r.Resources.Contains("pods"));
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "delete" }, pods.Verbs.ToHashSet());
    }

    [Fact]
    public void Worker_ArgumentsBindToForgeWorker_ClusterFileMountedWhereTheyPoint_ImageRunsTheSame()
    {
        var container = Container(Worker);
        var settings = CommandLineBinding.Bind<WorkerCommand.Settings>([.. container.Args], "Deployment/forge-worker args");
        var mount = container.VolumeMounts.Single(m => m.Name == "cluster");
        Assert.Equal(settings.Cluster, mount.MountPath);
        Assert.Equal("cluster.json", mount.SubPath);
        // The image runs `forge worker` under tini with the same default arguments, and exposes the ports the pod declares.
        Assert.Equal(["/usr/bin/tini", "--", "/opt/forge/forge", "worker"], DockerfileArray("ENTRYPOINT"));
        Assert.Equal(container.Args, DockerfileArray("CMD"));
        var exposed = File.ReadAllLines(Path.Combine(Deploy, "worker", "Dockerfile")).Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(int.Parse);
        Assert.Equal(container.Ports.Select(p => p.ContainerPort).Order(), exposed.Order());
    }

    [Fact]
    public void Worker_OrleansHostingEnvironmentLabelsAndPorts_AreOrleansOwn()
    {
        var options = ClusterFile();
        Assert.True(options.Kubernetes, "the cluster file must ask for Kubernetes hosting");
        var labels = Worker.Metadata.Labels;
        Assert.Equal(options.ClusterId, labels[KubernetesHostingOptions.ClusterIdLabel]);
        Assert.Equal(options.ClusterId, labels[KubernetesHostingOptions.ServiceIdLabel]);
        var container = Container(Worker);
        // Kubernetes hosting listens on Orleans' default silo and gateway ports.
        Assert.Superset(container.Ports.Select(p => p.ContainerPort).ToHashSet(), new HashSet<int> { EndpointOptions.DEFAULT_SILO_PORT, EndpointOptions.DEFAULT_GATEWAY_PORT });
        var env = container.Env.ToDictionary(e => e.Name, e => e.ValueFrom?.FieldRef?.FieldPath);
        Assert.Equal("metadata.name", env[KubernetesHostingOptions.PodNameEnvironmentVariable]);
        Assert.Equal("metadata.namespace", env[KubernetesHostingOptions.PodNamespaceEnvironmentVariable]);
        Assert.Equal("status.podIP", env[KubernetesHostingOptions.PodIPEnvironmentVariable]);
        Assert.Equal($"metadata.labels['{KubernetesHostingOptions.ClusterIdLabel}']", env[KubernetesHostingOptions.ClusterIdEnvironmentVariable]);
        Assert.Equal($"metadata.labels['{KubernetesHostingOptions.ServiceIdLabel}']", env[KubernetesHostingOptions.ServiceIdEnvironmentVariable]);
        // The pod is given longer to stop than the worker takes to leave the cluster and remove its sandboxes (30 s).
        Assert.True(Worker.Spec.TerminationGracePeriodSeconds > 30);
    }

    [Fact]
    public void ClusterFile_NamesTheRedisServiceAndItsPort_RedisIsDurable()
    {
        var options = ClusterFile();
        Assert.Equal(Membership.Redis, options.Membership);
        var (host, port) = (options.Redis!.Split(':')[0], int.Parse(options.Redis.Split(':')[1]));
        Assert.Contains(Manifests.Get<V1Service>(host).Spec.Ports, p => p.Port == port);
        var redisArgs = Container(Manifests.Get<V1Deployment>(host).Spec.Template).Args.ToList();
        Assert.Equal("yes", redisArgs[redisArgs.IndexOf("--appendonly") + 1]);
    }

    [Fact]
    public void TrainerJob_ArgumentsBindToForgeTrain_OnTheWorkersClusterFileAndImage()
    {
        var container = Container(Trainer);
        // The image's entry point without its `worker`: tini (which reaps sandboxes' orphans), then forge.
        Assert.Equal(DockerfileArray("ENTRYPOINT")[..^1], container.Command);
        Assert.Equal("train", container.Args[0]);
        var settings = CommandLineBinding.Bind<TrainCommand.Settings>([.. container.Args.Skip(1)], "Job/forge-trainer args");
        var mounts = container.VolumeMounts.ToList();
        Assert.Contains(mounts, m => m.MountPath == settings.Scenario);
        Assert.Contains(mounts, m => m.MountPath == settings.Cluster);
        Assert.Contains(mounts, m => settings.Out!.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        var worker = CommandLineBinding.Bind<WorkerCommand.Settings>([.. Container(Worker).Args], "Deployment/forge-worker args");
        Assert.Equal(worker.Cluster, settings.Cluster);
        Assert.Equal(Container(Worker).Image, container.Image);
    }

    [Fact]
    public void TrainerJob_OutputOnAPersistentVolumeClaim_WritableByTheImagesUser()
    {
        var container = Container(Trainer);
        var settings = CommandLineBinding.Bind<TrainCommand.Settings>([.. container.Args.Skip(1)], "Job/forge-trainer args");
        // The folder forge train writes (checkpoints, the trajectory log a resumed run reads) is on a claim that outlives the pod.
        var mount = Assert.Single(container.VolumeMounts, m => settings.Out!.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        Assert.NotEqual(true, mount.ReadOnlyProperty);
        var volume = Assert.Single(Trainer.Spec.Volumes, v => v.Name == mount.Name);
        Assert.True(volume.PersistentVolumeClaim is not null, $"Job/forge-trainer: {settings.Out} is on volume {volume.Name}, which is no PersistentVolumeClaim (it is lost with the pod)");
        var claim = Manifests.Get<V1PersistentVolumeClaim>(volume.PersistentVolumeClaim.ClaimName);
        Assert.Contains("ReadWriteOnce", claim.Spec.AccessModes);
        Assert.True(claim.Spec.Resources.Requests["storage"].ToDecimal() >= 10m * (1L << 30), "the output claim is smaller than 10 GiB");
        var (user, group) = ImageUser();
        Assert.Equal(user, Trainer.Spec.SecurityContext.RunAsUser);
        Assert.Equal(group, Trainer.Spec.SecurityContext.FsGroup);
    }

    [Fact]
    public void Worker_SecurityContext_IsTheLeastPrivilegeTheImageTestsRunWith()
    {
        var pod = Worker.Spec;
        var profiles = Path.Combine(Deploy, "worker");
        // What WorkerImageTests passes to docker run, from this same Deployment: no capability, no setuid gains, the
        // profile shipped beside the Dockerfile, an unmasked /proc (bubblewrap mounts a /proc of its own), as the image's user.
        var (user, group) = ImageUser();
        Assert.Equal(["--user", $"{user}:{group}", "--security-opt", "no-new-privileges", "--cap-drop", "ALL",
            "--security-opt", $"seccomp={Path.Combine(profiles, "forge-worker-seccomp.json")}", "--security-opt", "systempaths=unconfined"],
            WorkerContainerSecurity.DockerRunOptions(pod, profiles));
        Assert.True(pod.SecurityContext.RunAsNonRoot, "the worker must not run as root: an unmasked /proc is writable by root");
        // Kubernetes grants procMount Unmasked only to a pod in a user namespace of its own.
        Assert.Equal("Unmasked", Container(Worker).SecurityContext.ProcMount);
        Assert.False(pod.HostUsers, "procMount: Unmasked needs hostUsers: false");
        Assert.Equal("Localhost", Container(Worker).SecurityContext.SeccompProfile.Type);
    }

    [Fact]
    public void WorkerSecurity_ASettingWithNoDockerEquivalent_FailsTheTranslationNamingIt()
    {
        var yaml = File.ReadAllText(Path.Combine(Deploy, "kubernetes", "worker.yaml"))
            .Replace("            procMount: Unmasked", "            procMount: Unmasked\n            readOnlyRootFilesystem: true", StringComparison.Ordinal);
        var pod = KubernetesManifests.Parse(yaml, "worker.yaml").OfType<V1Deployment>().Single().Spec.Template.Spec;
        var e = Assert.ThrowsAny<Exception>(() => WorkerContainerSecurity.DockerRunOptions(pod, Path.Combine(Deploy, "worker")));
        Assert.Contains("ReadOnlyRootFilesystem", e.Message);
    }

    [Fact]
    public void SeccompProfile_AllowsTheNamespaceCallsOfBubblewrap_NotTheKernelsRiskyOnes()
    {
        using var profile = JsonDocument.Parse(File.ReadAllText(Path.Combine(Deploy, "worker", "forge-worker-seccomp.json")));
        var root = profile.RootElement;
        Assert.Equal("SCMP_ACT_ERRNO", root.GetProperty("defaultAction").GetString());   // a call not listed is refused
        var rules = root.GetProperty("syscalls").EnumerateArray().ToList();
        var allowed = rules.Where(r => r.GetProperty("action").GetString() == "SCMP_ACT_ALLOW" && !r.TryGetProperty("args", out _))
            .SelectMany(r => r.GetProperty("names").EnumerateArray().Select(n => n.GetString()!)).ToHashSet();
        // bubblewrap: new namespaces (clone, unshare), its own root (mount, pivot_root, umount2); the runtime's and Python's usual calls.
        Assert.Superset(new HashSet<string> { "clone", "clone3", "unshare", "mount", "umount2", "pivot_root", "sethostname", "execve", "futex", "epoll_wait", "openat", "prlimit64" }, allowed);
        // Refused as Docker's default refuses them: kernel modules, kexec, eBPF, keyrings, tracing other processes,
        // handles to host files, userfaultfd, perf events, io_uring, joining other namespaces, clocks, swap, reboot.
        string[] risky = ["init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "bpf", "keyctl", "add_key", "request_key", "ptrace",
            "process_vm_readv", "process_vm_writev", "open_by_handle_at", "name_to_handle_at", "userfaultfd", "perf_event_open", "io_uring_setup", "setns",
            "clock_settime", "settimeofday", "swapon", "reboot", "acct", "fsopen", "move_mount", "open_tree"];
        Assert.All(risky, call => Assert.DoesNotContain(call, allowed));
        Assert.DoesNotContain(rules, r => r.GetProperty("action").GetString() == "SCMP_ACT_ALLOW" && r.GetProperty("names").EnumerateArray().Any(n => risky.Contains(n.GetString())));
    }

    [Fact]
    public void WorkerImage_IsTheOneTheBuildScriptTags()
    {
        var script = File.ReadAllText(Path.Combine(ForgeProcess.RepositoryRoot, "scripts", "build-worker-image"));
        Assert.Equal(LocalImage, Container(Worker).Image);
        Assert.Contains($":-{LocalImage}}}", script);
    }
}
