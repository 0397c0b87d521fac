using System.Diagnostics;
using Forge.Core;
using Forge.Sandbox.Docker;

namespace Forge.Cli.Commands.Sandbox;

/// <summary>
/// The Docker baselines of <c>forge bench sandbox</c>, measured in the same run as the Docker backend: a fresh
/// <c>docker run --rm IMAGE python3 -c 'print(1)'</c> and <c>docker exec CONTAINER python3 -c 'print(1)'</c> into a
/// running sandbox container, both through the docker CLI as a user would type them.
/// </summary>
internal static class DockerBaselines
{
    public static async Task<IReadOnlyList<Latency>> MeasureAsync(DockerSandboxProvider provider, int samples, CancellationToken cancellationToken)
    {
        string[] print = ["python3", "-c", "print(1)"];
        var run = await TimeAsync(Math.Max(5, samples / 10),
            ["run", "--rm", "--network", "none", "--user", "65534:65534", "--label", "forge.sandbox=baseline", provider.Image, .. print], cancellationToken);
        await using var sandbox = (DockerSandbox)await provider.AcquireAsync(cancellationToken);
        var exec = await TimeAsync(Math.Max(10, samples / 4), ["exec", sandbox.ContainerId, .. print], cancellationToken);
        return
        [
            Latency.Of($"docker run --rm {provider.Image} python3 -c print(1)", run),
            Latency.Of("docker exec CONTAINER python3 -c print(1)", exec),
        ];
    }

    private static async Task<List<double>> TimeAsync(int count, string[] arguments, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        for (var i = 0; i <= count; i++)
        {
            var clock = Stopwatch.StartNew();
            var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            using var process = Process.Start(info) ?? throw new SandboxException("Could not start the docker CLI for the baselines.");
            var stdout = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (stdout != "1\n") throw new SandboxException($"Baseline `docker {string.Join(' ', arguments)}` printed '{stdout.Trim()}': {stderr.Trim()}");
            if (i > 0) times.Add(clock.Elapsed.TotalMilliseconds); // the first run warms the CLI and the page cache
        }
        return times;
    }
}
