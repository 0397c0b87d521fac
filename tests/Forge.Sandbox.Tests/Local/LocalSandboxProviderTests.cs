using System.Diagnostics;
using Forge.Sandbox.Local;
using Forge.Sandbox.Tests.Conformance;

namespace Forge.Sandbox.Tests.Local;

public sealed class LocalSandboxProviderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("forge-provider-test-").FullName;

    public void Dispose() => Workspace.Delete(_root);

    private static LocalCapabilities NoIsolation => IsolationProbe.Capabilities with
    {
        Mode = LaunchMode.Unisolated,
        Problems = ["bubblewrap (bwrap) is not installed: run scripts/install-sandbox-deps (apt-get install bubblewrap)"],
    };

    [Fact]
    public void Create_MachineCannotIsolate_RefusesAndSaysHowToOptOut()
    {
        var e = Assert.Throws<SandboxException>(() => LocalSandboxProvider.Create(SandboxOptions.Default, _root, NoIsolation, null));
        Assert.Contains("cannot isolate untrusted code", e.Message);
        Assert.Contains("bubblewrap (bwrap) is not installed", e.Message);
        Assert.Contains("\"allow_unisolated\": true", e.Message);
        Assert.Contains("--unsafe-no-isolation", e.Message);
    }

    [Fact]
    public async Task Create_UnisolatedByChoice_RunsCommandsAndSaysItIsNotIsolated()
    {
        await using var provider = LocalSandboxProvider.Create(SandboxOptions.Default with { AllowUnisolated = true }, _root, NoIsolation, null);
        Assert.False(provider.Isolation.Isolated);
        Assert.StartsWith("local sandbox: NOT isolated", provider.Isolation.Summary);
        await using var sandbox = await provider.AcquireAsync();
        var result = await sandbox.RunAsync(new ExecRequest(["/bin/sh", "-c", "echo hi; sleep 30 &"]));
        Assert.Equal("hi\n", result.Stdout);
        var loop = await sandbox.RunAsync(new ExecRequest(["/bin/sh", "-c", "while :; do :; done"]) { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(SandboxLimit.Deadline, loop.Limit);
        var warm = await sandbox.RunPythonAsync(new PythonRequest("print(6 * 7)"));
        Assert.Equal("42\n", warm.Stdout);
    }

    [SkippableFact]
    public async Task Isolation_WhereBubblewrapWorks_DescribesNamespacesAndLimits()
    {
        Requirement.That(IsolationProbe.Capabilities.Isolated, "the local sandbox cannot isolate here");
        await using var provider = LocalSandboxProvider.Create(SandboxOptions.Default, _root, null);
        Assert.True(provider.Isolation.Isolated);
        Assert.Contains(provider.Isolation.InEffect, line => line.StartsWith("namespaces: user, pid, network, mount", StringComparison.Ordinal));
        Assert.Contains(provider.Isolation.InEffect, line => line.StartsWith("per process: address space 256 MiB", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Create_LeftoversOfADeadRun_AreReaped()
    {
        Requirement.That(IsolationProbe.Capabilities.Isolated, "the local sandbox cannot isolate here");
        // A run whose owner is gone: its owner file names a pid that no longer runs, and a process still works in its folder.
        using var gone = Process.Start("/bin/true")!;
        await gone.WaitForExitAsync();
        var run = Path.Combine(_root, "dead-run");
        var work = Path.Combine(run, "1-abc", "work");
        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(run, "owner"), $"{gone.Id} 1");
        using var straggler = Process.Start(new ProcessStartInfo("/bin/sleep", "600") { WorkingDirectory = work, UseShellExecute = false })!;

        await using var provider = LocalSandboxProvider.Create(SandboxOptions.Default, _root, null);

        Assert.Contains("dead-run", provider.Reaped);
        Assert.False(Directory.Exists(run));
        Assert.True(straggler.WaitForExit(5000), "The straggler of the dead run was not killed.");
        Assert.True(Directory.Exists(provider.RunDirectory), "The provider's own run was reaped.");
    }
}
