using System.Collections.Concurrent;
using System.Diagnostics;

namespace Forge.Sandbox.Execution;

/// <summary>
/// Starts every sandbox process from one long-lived thread. Launchers ask the kernel to kill the sandbox when its parent
/// dies (bubblewrap's <c>--die-with-parent</c>, <c>PR_SET_PDEATHSIG</c>), and "parent" means the thread that forked it:
/// a pool thread that retires would take its sandboxes with it. This thread lives as long as the process.
/// </summary>
internal static class ProcessSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Queue = new();

    static ProcessSpawner()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "forge-sandbox-spawner" };
        thread.Start();
    }

    /// <summary>Starts <paramref name="info"/> on the spawner thread.</summary>
    public static Task<Process> StartAsync(ProcessStartInfo info)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Queue.Add((info, started));
        return started.Task;
    }

    private static void Run()
    {
        foreach (var (info, started) in Queue.GetConsumingEnumerable())
        {
            try
            {
                var process = new Process { StartInfo = info };
                process.Start();
                started.SetResult(process);
            }
            catch (Exception e)
            {
                started.SetException(e);
            }
        }
    }
}
