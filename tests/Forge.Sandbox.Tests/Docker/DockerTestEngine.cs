using System.Diagnostics;
using Forge.Sandbox.Docker;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>
/// Whether the Docker tests can run here: an engine answers and the sandbox image exists. Without them the tests skip,
/// saying why — except with <c>CI=true</c>, where they run (and fail with the engine's error) so CI can't pass by skipping.
/// </summary>
internal static class DockerTestEngine
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public static string Image => System.Environment.GetEnvironmentVariable("FORGE_SANDBOX_IMAGE") ?? DockerSandboxSettings.DefaultImage;

    public static bool IsCi => string.Equals(System.Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the Docker tests skip, or null when they run.</summary>
    public static string? SkipReason => IsCi ? null : Missing.Value;

    private static string? Probe()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", ["image", "inspect", "--format", "{{.Id}}", Image])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            if (!docker.WaitForExit(TimeSpan.FromSeconds(10))) { docker.Kill(); return "the Docker engine did not answer within 10 s"; }
            var stderr = docker.StandardError.ReadToEnd();
            if (docker.ExitCode == 0) return null;
            return stderr.Contains("No such image", StringComparison.OrdinalIgnoreCase)
                ? $"the sandbox image {Image} is missing; build it with scripts/build-sandbox-image"
                : $"no Docker engine answers ({stderr.Trim()}); start one with scripts/docker-engine";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "the docker client is not installed; run scripts/docker-engine";
        }
    }
}

/// <summary>A test that needs a Docker engine and the sandbox image (see <see cref="DockerTestEngine"/>).</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerTestEngine.SkipReason is { } reason) Skip = "Docker tests skipped: " + reason;
    }
}
