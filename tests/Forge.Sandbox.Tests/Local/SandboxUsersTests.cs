using System.Diagnostics;
using Forge.Sandbox.Local;
using Forge.Sandbox.Tests.Conformance;

namespace Forge.Sandbox.Tests.Local;

/// <summary>Handing out a uid per live sandbox: never one uid to two holders, and nothing of a previous holder left running.</summary>
public sealed class SandboxUsersTests : IDisposable
{
    // Below the production range, so that these tests never touch a uid a real sandbox may hold meanwhile.
    private const int TestUid = SandboxUsers.FirstUid - 100_000;
    private readonly string _directory = Directory.CreateTempSubdirectory("forge-uids-test-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private SandboxUsers Users(int count = 2)
    {
        var setpriv = IsolationProbe.Capabilities.Tools.Setpriv;
        Requirement.That(Native.IsRoot && setpriv is not null, "handing out sandbox uids needs root and setpriv");
        return new SandboxUsers(_directory, TestUid, count, setpriv!);
    }

    [SkippableFact]
    public void Acquire_TwoProvidersSharingTheDirectory_NeverHandOutOneUidTwice()
    {
        var one = Users();
        var other = Users();
        var a = one.Acquire();
        var b = other.Acquire();
        Assert.NotEqual(a.Uid, b.Uid);
        var full = Assert.Throws<SandboxException>(() => one.Acquire());
        Assert.Contains($"all uids {TestUid}–{TestUid + 1} are held", full.Message);
        a.Release(killLeftovers: false);
        Assert.Equal(a.Uid, other.Acquire().Uid);
        b.Release(killLeftovers: false);
    }

    [SkippableFact]
    public async Task Acquire_UidItsLastHolderNeverGaveBack_KillsWhatStillRunsAsIt()
    {
        var users = Users(count: 1);
        File.WriteAllText(Path.Combine(_directory, $"{TestUid}"), "4194303 1\n"); // held by a process that died
        using var straggler = RunAs(TestUid, "600");
        await Task.Delay(100);
        Assert.False(straggler.HasExited);

        var user = users.Acquire();

        Assert.True(straggler.WaitForExit(5000), "The straggler of the dead holder still runs.");
        user.Release(killLeftovers: false);
        Assert.Equal(0, new FileInfo(Path.Combine(_directory, $"{TestUid}")).Length);
    }

    [SkippableFact]
    public void Release_KillingLeftovers_KillsEveryProcessOfTheUidAndNoOtherOne()
    {
        var users = Users();
        var user = users.Acquire();
        using var escaped = RunAs(user.Uid, "600");
        using var bystander = RunAs(user.Uid == TestUid ? TestUid + 1 : TestUid, "600");
        WaitUntilRunningAs(escaped, user.Uid);   // setpriv starts as root: released before its switch, it would be no leftover yet

        user.Release(killLeftovers: true);

        Assert.True(escaped.WaitForExit(5000), "A process of the released uid survived.");
        Assert.False(bystander.HasExited, "A process of another uid was killed.");
        bystander.Kill();
    }

    private static void WaitUntilRunningAs(Process process, int uid)
    {
        for (var i = 0; i < 500; i++)
        {
            var status = File.ReadAllLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            if (status?.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == uid.ToString(System.Globalization.CultureInfo.InvariantCulture)) return;
            Thread.Sleep(10);
        }
        throw new TimeoutException($"process {process.Id} never ran as uid {uid}");
    }

    private static Process RunAs(int uid, string seconds) =>
        Process.Start(new ProcessStartInfo(IsolationProbe.Capabilities.Tools.Setpriv!, [$"--reuid={uid}", $"--regid={uid}", "--clear-groups", "setsid", "sleep", seconds]) { UseShellExecute = false })!;
}
