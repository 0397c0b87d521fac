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
        var warm = await sandbox.RunPythonAsync(new PythonRequest("import os\nprint(6 * 7, os.getuid() != 0 or os.geteuid() != 0 or 'root')"));
        Assert.Equal("42 True\n", warm.Stdout);
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

    [SkippableFact]
    public async Task AcquireAsync_FromAFullPool_HandsOutSandboxesWithPythonAlreadyRunning()
    {
        Requirement.That(IsolationProbe.Capabilities.Isolated, "the local sandbox cannot isolate here");
        await using var provider = LocalSandboxProvider.Create(SandboxOptions.Default with { PoolSize = 2 }, _root, null);
        await provider.WaitForPoolAsync();
        Assert.Equal(2, provider.ReadyCount);
        await using var sandbox = (LocalSandbox)await provider.AcquireAsync();
        Assert.Equal(1, sandbox.Python.Starts);
        Assert.Equal("1\n", (await sandbox.RunPythonAsync(new PythonRequest("print(1)"))).Stdout);
        Assert.Equal(1, sandbox.Python.Starts);
        await provider.WaitForPoolAsync();
        Assert.Equal(2, provider.ReadyCount);
    }

    [SkippableFact]
    public async Task DisposeAsync_WhilePoolRefills_LeavesNothingBehind()
    {
        Requirement.That(IsolationProbe.Capabilities.Isolated, "the local sandbox cannot isolate here");
        var provider = LocalSandboxProvider.Create(SandboxOptions.Default with { PoolSize = 3 }, _root, null);
        await using (await provider.AcquireAsync()) { }
        await provider.DisposeAsync();
        Assert.False(Directory.Exists(provider.RunDirectory));
        Assert.Empty(Reaper.ProcessesUnder(provider.RunDirectory));
        Assert.Equal(0, provider.LiveCount);
    }

    private static LocalSandboxProvider Provider(bool isolated, SandboxOptions options)
    {
        if (isolated)
        {
            Requirement.That(IsolationProbe.Capabilities.Isolated, "the local sandbox cannot isolate here");
            return LocalSandboxProvider.Create(options, Reaper.DefaultRoot, null);
        }
        return LocalSandboxProvider.Create(options with { AllowUnisolated = true }, Reaper.DefaultRoot, IsolationProbe.Capabilities with { Mode = LaunchMode.Unisolated }, null);
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sandboxes_FiftyInARowBesideAFullPool_NeverFail(bool isolated)
    {
        // Once, every sandbox ran as nobody with RLIMIT_NPROC, which counts all processes of a uid: the pool's waiting
        // interpreters, the dying processes of the sandboxes before (and anyone else's sandboxes) refused this one's forks.
        await using var provider = Provider(isolated, SandboxOptions.Default with { PoolSize = 16, MaxProcesses = 16 });
        await provider.WaitForPoolAsync();
        for (var i = 0; i < 50; i++)
        {
            await using var sandbox = await provider.AcquireAsync();
            var result = i % 2 == 0
                ? await sandbox.RunAsync(new ExecRequest(["python3", "-c", $"import os\nif os.fork() == 0: os._exit(0)\nos.wait()\nprint({i})"]))
                : await sandbox.RunPythonAsync(new PythonRequest($"print({i})"));
            Assert.True(result.Stdout == $"{i}\n", $"sandbox {i}: {result.Stdout}{result.Stderr} ({result.Limit})");
        }
    }

    [SkippableFact]
    public async Task Unisolated_ForkBombInOneSandbox_DoesNotStopAnotherFromForking()
    {
        Requirement.That(Native.IsRoot && IsolationProbe.Capabilities.Tools.Setpriv is not null, "dropping root to a sandbox uid needs root and setpriv");
        await using var provider = Provider(isolated: false, SandboxOptions.Default with { PoolSize = 0, MaxProcesses = 16 });
        await ForkIsolation.AssertBombDoesNotStopAnotherAsync(provider);
    }

    [SkippableFact]
    public async Task AcquireAsync_AsRoot_GivesEachLiveSandboxAUidOfItsOwn_SeenAsNobodyInside()
    {
        Requirement.That(IsolationProbe.Capabilities.Mode == LaunchMode.BubblewrapAsSandboxUser, "Forge does not drop root here");
        await using var provider = LocalSandboxProvider.Create(SandboxOptions.Default with { PoolSize = 0 }, _root, null);
        await using var first = (LocalSandbox)await provider.AcquireAsync();
        await using var second = (LocalSandbox)await provider.AcquireAsync();
        var owners = new[] { first, second }.Select(s => new DirectoryInfo(Path.Combine(s.Root, "work"))).Select(d => OwnerOf(d.FullName)).ToList();
        Assert.NotEqual(owners[0], owners[1]);
        Assert.All(owners, uid => Assert.InRange(uid, SandboxUsers.FirstUid, SandboxUsers.FirstUid + SandboxUsers.Count - 1));
        var inside = await first.RunAsync(new ExecRequest(["/bin/sh", "-c", "id -u; stat -c %u /workspace"]));
        Assert.Equal("65534\n65534\n", inside.Stdout);
    }

    private static long OwnerOf(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true })!;
        return long.Parse(stat.StandardOutput.ReadToEnd().Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
