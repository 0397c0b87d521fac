using System.Diagnostics;
using Forge.Sandbox.Docker;
using Forge.Sandbox.Tests.Conformance;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>
/// Whether the Docker tests can run here: an engine answers and the sandbox image exists. Without them the tests skip,
/// saying why and how to get them — except with <c>CI=true</c>, where they fail (<see cref="Requirement"/>).
/// </summary>
internal static class DockerTestEngine
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public static string Image => System.Environment.GetEnvironmentVariable("FORGE_SANDBOX_IMAGE") ?? DockerSandboxSettings.DefaultImage;

    /// <summary>Skips the calling test (fails it on CI) unless an engine and the image are there.</summary>
    public static void Require()
    {
        if (Missing.Value is { } reason) Requirement.Skip("Docker tests need an engine and the sandbox image: " + reason);
    }

    /// <summary>A provider of the test image; skips (fails on CI) without an engine.</summary>
    public static DockerSandboxProvider Provider(SandboxOptions options, DockerSandboxSettings? settings = null)
    {
        Require();
        return new DockerSandboxProvider(options with { Backend = "docker", Image = options.Image ?? Image }, settings);
    }
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
