using System.Globalization;
using Docker.DotNet.Models;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// How a sandbox container is made: no network, memory / CPU / pids / CPU-time / file-size limits, a read-only root
/// with tmpfs <c>/workspace</c> and <c>/tmp</c>, a non-root user, every capability dropped, no-new-privileges, labels.
/// </summary>
internal static class ContainerSpec
{
    public const string Workspace = "/workspace";

    /// <summary>
    /// PID 1 of every container: reaps the orphans that commands leave behind (so they don't pile up as zombies against
    /// the pids limit) and, being PID 1, cannot be killed from inside, so a command can't take its container down.
    /// </summary>
    private const string Reaper =
        "import os, signal\n" +
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})\n" +
        "while True:\n" +
        "    signal.sigwait({signal.SIGCHLD})\n" +
        "    try:\n" +
        "        while os.waitpid(-1, os.WNOHANG)[0] > 0:\n" +
        "            pass\n" +
        "    except ChildProcessError:\n" +
        "        pass\n";

    public static CreateContainerParameters Create(string image, SandboxOptions options, DockerSandboxSettings settings, IDictionary<string, string> labels)
    {
        var memory = (long)options.MemoryMb << 20;
        var fileSize = (long)options.MaxFileSizeMb << 20;
        return new CreateContainerParameters
        {
            Image = image,
            Cmd = ["python3", "-c", Reaper],
            Entrypoint = [],
            User = settings.User,
            WorkingDir = Workspace,
            Env = ["HOME=/workspace", "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "LANG=C.UTF-8"],
            Labels = labels,
            NetworkDisabled = true,
            StopSignal = "SIGKILL",
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                ReadonlyRootfs = true,
                Tmpfs = new Dictionary<string, string>
                {
                    [Workspace] = TmpfsOptions(settings.WorkspaceMb, settings.User),
                    ["/tmp"] = TmpfsOptions(settings.TmpMb, settings.User),
                },
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                Memory = memory,
                MemorySwap = memory,
                NanoCPUs = (long)(settings.Cpus * 1e9),
                PidsLimit = options.MaxProcesses,
                Ulimits =
                [
                    new Ulimit { Name = "cpu", Soft = options.CpuSeconds, Hard = options.CpuSeconds + 1 },
                    new Ulimit { Name = "fsize", Soft = fileSize, Hard = fileSize },
                    new Ulimit { Name = "core", Soft = 0, Hard = 0 },
                ],
                IpcMode = "private",
                AutoRemove = false,
                LogConfig = new LogConfig { Type = "none" },
            },
        };
    }

    private static string TmpfsOptions(int megabytes, string user)
    {
        var ids = user.Split(':');
        var uid = ids[0];
        var gid = ids.Length > 1 ? ids[1] : ids[0];
        return string.Create(CultureInfo.InvariantCulture, $"rw,nosuid,nodev,exec,size={megabytes}m,mode=1777,uid={uid},gid={gid}");
    }
}
