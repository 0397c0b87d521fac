using Forge.Core;
using Forge.Sandbox.Docker;

namespace Forge.Sandbox.Tests.Docker;

public sealed class DockerSmokeTests
{
    [DockerFact]
    public async Task RunAsync_Echo_ReturnsOutput()
    {
        await using var provider = new DockerSandboxProvider(SandboxOptions.Default with { Backend = "docker", PoolSize = 1 });
        await using var sandbox = await provider.AcquireAsync();
        var result = await sandbox.RunAsync(new ExecRequest(["sh", "-c", "echo hi; echo err >&2; exit 3"]));
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("hi\n", result.Stdout);
        Assert.Equal("err\n", result.Stderr);
        await sandbox.WriteFileAsync("a/b.txt", "hello"u8.ToArray());
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(await sandbox.ReadFileAsync("a/b.txt")));
        var stdin = await sandbox.RunAsync(new ExecRequest(["cat"]) { Stdin = "piped" });
        Assert.Equal("piped", stdin.Stdout);
        var slow = await sandbox.RunAsync(new ExecRequest(["sleep", "30"]) { Timeout = TimeSpan.FromSeconds(1) });
        Assert.Equal(SandboxLimit.Deadline, slow.Limit);
        var big = await sandbox.RunAsync(new ExecRequest(["sh", "-c", "yes"]) { OutputLimitBytes = 10000 });
        Assert.Equal(SandboxLimit.Output, big.Limit);
        Assert.Equal(10000, big.Stdout.Length);
    }
}
