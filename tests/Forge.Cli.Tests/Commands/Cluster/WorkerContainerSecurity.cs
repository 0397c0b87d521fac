using System.Reflection;
using k8s.Models;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// The worker pod's security settings (deploy/kubernetes/worker.yaml) as <c>docker run</c> options, so that the image
/// tests run the worker containers exactly as the Deployment does. A setting with no Docker equivalent known here fails,
/// naming it, rather than being left out of the test.
/// </summary>
internal static class WorkerContainerSecurity
{
    /// <summary>The <c>docker run</c> options for <paramref name="pod"/>'s single container; <paramref name="profiles"/>: where Localhost seccomp profiles are (deploy/worker).</summary>
    public static IReadOnlyList<string> DockerRunOptions(V1PodSpec pod, string profiles)
    {
        var options = new List<string>();
        // hostUsers: false puts the pod in a user namespace of its own; Docker has that only engine-wide (userns-remap),
        // so a container here runs in the host's user namespace: stricter for the sandbox's checks, not looser.
        var container = Assert.Single(pod.Containers);
        if (pod.SecurityContext is { } podContext)
        {
            Known(podContext, "pod securityContext", nameof(V1PodSecurityContext.RunAsNonRoot), nameof(V1PodSecurityContext.RunAsUser), nameof(V1PodSecurityContext.RunAsGroup));
            if (podContext.RunAsUser is { } user) options.AddRange(["--user", $"{user}:{podContext.RunAsGroup ?? user}"]);
            if (podContext.RunAsNonRoot == true) Assert.True(podContext.RunAsUser is > 0, "runAsNonRoot needs a runAsUser other than 0 for a Docker run");
        }
        if (container.SecurityContext is not { } context) return options;
        Known(context, "container securityContext", nameof(V1SecurityContext.AllowPrivilegeEscalation), nameof(V1SecurityContext.Capabilities),
            nameof(V1SecurityContext.SeccompProfile), nameof(V1SecurityContext.ProcMount), nameof(V1SecurityContext.Privileged));
        if (context.Privileged == true) options.Add("--privileged");
        if (context.AllowPrivilegeEscalation == false) options.AddRange(["--security-opt", "no-new-privileges"]);
        foreach (var drop in context.Capabilities?.Drop ?? []) options.AddRange(["--cap-drop", drop]);
        foreach (var add in context.Capabilities?.Add ?? []) options.AddRange(["--cap-add", add]);
        switch (context.SeccompProfile?.Type)
        {
            case null or "RuntimeDefault": break;
            case "Unconfined": options.AddRange(["--security-opt", "seccomp=unconfined"]); break;
            case "Localhost":
                var file = Path.Combine(profiles, context.SeccompProfile.LocalhostProfile);
                Assert.True(File.Exists(file), $"the seccomp profile {context.SeccompProfile.LocalhostProfile} is not in {profiles}");
                options.AddRange(["--security-opt", $"seccomp={file}"]);
                break;
            default: throw new Xunit.Sdk.XunitException($"seccompProfile type {context.SeccompProfile.Type} has no docker run equivalent here");
        }
        switch (context.ProcMount)
        {
            case null or "Default": break;
            case "Unmasked": options.AddRange(["--security-opt", "systempaths=unconfined"]); break;
            default: throw new Xunit.Sdk.XunitException($"procMount {context.ProcMount} has no docker run equivalent here");
        }
        return options;
    }

    private static void Known(object settings, string where, params string[] known)
    {
        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.GetValue(settings) is not null && !known.Contains(property.Name))
                throw new Xunit.Sdk.XunitException($"{where}: {property.Name} is set, and has no docker run equivalent here");
    }
}
