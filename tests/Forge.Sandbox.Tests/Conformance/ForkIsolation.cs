using System.Diagnostics;

namespace Forge.Sandbox.Tests.Conformance;

/// <summary>
/// One sandbox's process limit is its own: a fork bomb that holds everything its sandbox allows leaves another sandbox
/// of the same provider free to fork (commands and the warm interpreter). Shared by the conformance suite and the local
/// sandbox's run without namespaces, where a limit counted per uid once made all sandboxes share one.
/// </summary>
internal static class ForkIsolation
{
    public static async Task AssertBombDoesNotStopAnotherAsync(ISandboxProvider provider)
    {
        await using var bombed = await provider.AcquireAsync();
        await using var other = await provider.AcquireAsync();
        // Forks until the sandbox's process limit refuses, frees six processes (room for the file to be read back, which takes a few on Docker),
        // says so in a file, and holds the rest.
        var bomb = bombed.RunAsync(Python(
            "import os, time\nkids = []\nwhile True:\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n" +
            "    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n    kids.append(pid)\n" +
            "for pid in kids[:6]:\n    os.kill(pid, 9)\n    os.waitpid(pid, 0)\nopen('full', 'w').write(str(len(kids)))\ntime.sleep(60)"));
        var clock = Stopwatch.StartNew();
        string? held = null;
        while (!bomb.IsCompleted && (held = await SandboxConformanceTests<ISandboxProvider>.TryReadAsync(bombed, "full")) is null && clock.Elapsed < TimeSpan.FromSeconds(25))
            await Task.Delay(100);
        Assert.False(bomb.IsCompleted, $"The fork bomb ended early: {(bomb.IsCompleted ? bomb.Result.Stderr : "")}");
        Assert.NotNull(held);

        var forks = await other.RunAsync(Python(
            "import os\nkids = []\nfor _ in range(8):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n    kids.append(pid)\n" +
            "for pid in kids:\n    os.waitpid(pid, 0)\nprint('forked', len(kids))"));
        Assert.True(forks.Stdout == "forked 8\n", $"While the other sandbox held {held} processes: {forks.Stdout}{forks.Stderr} ({forks.Limit})");
        var warm = await other.RunPythonAsync(new PythonRequest("print(1)"));
        Assert.True(warm.Stdout == "1\n", $"While the other sandbox held {held} processes, the warm interpreter: {warm.Stdout}{warm.Stderr} ({warm.Limit})");

        await bombed.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bomb.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static ExecRequest Python(string code) => new(["python3", "-c", code]) { Timeout = TimeSpan.FromSeconds(30) };
}
