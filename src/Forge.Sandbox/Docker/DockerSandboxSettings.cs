using Forge.Core;
namespace Forge.Sandbox.Docker;

/// <summary>
/// Docker-specific settings of the Docker backend, beside the backend-neutral <see cref="SandboxOptions"/>.
/// The defaults fit the image built by <c>scripts/build-sandbox-image</c>.
/// </summary>
public sealed record DockerSandboxSettings
{
    /// <summary>The image built by <c>scripts/build-sandbox-image</c>.</summary>
    public const string DefaultImage = "forge-sandbox:py3";

    /// <summary>The engine's address; null for <c>DOCKER_HOST</c>, else <c>unix:///var/run/docker.sock</c>.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The user commands run as (<c>uid:gid</c>); never root. Default <c>65534:65534</c> (nobody).</summary>
    public string User { get; init; } = "65534:65534";

    /// <summary>CPUs a container may use. Default 1.</summary>
    public double Cpus { get; init; } = 1.0;

    /// <summary>Size of the tmpfs workspace (<c>/workspace</c>), in MiB; it counts against the memory limit. Default 64.</summary>
    public int WorkspaceMb { get; init; } = 64;

    /// <summary>Size of the tmpfs <c>/tmp</c>, in MiB. Default 16.</summary>
    public int TmpMb { get; init; } = 16;

    /// <summary>
    /// Reset a container when its episode ends and hand it to the next episode (through the pool), instead of removing
    /// it and creating a new one. Default true; false is the benchmark's baseline.
    /// </summary>
    public bool ReuseContainers { get; init; } = true;

    /// <summary>A run id for the <c>forge.run-id</c> label; null for a fresh one.</summary>
    public string? RunId { get; init; }
}
