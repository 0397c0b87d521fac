using System.Globalization;
using Docker.DotNet.Models;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// How a sandbox container is made: no network, memory / CPU / pids / file-size limits, a read-only root with tmpfs
/// <c>/workspace</c> and <c>/tmp</c>, no-new-privileges, labels. PID 1 is the supervisor (<see cref="ContainerSupervisor"/>):
/// root with only the capabilities it needs to start commands as the sandbox user and to kill them (KILL, SETUID, SETGID,
/// SETPCAP, to empty their bounding set); every command runs as the non-root sandbox user with no capabilities at all and
/// the CPU-time limit (which the supervisor sets per command, so that its own CPU time, summed over episodes, is not cut).
/// The container's stdin stays open for the supervisor's frames and closes when the host lets go of it.
/// </summary>
internal static class ContainerSpec
{
    public const string Workspace = "/workspace";

    public static CreateContainerParameters Create(string image, SandboxOptions options, DockerSandboxSettings settings, IDictionary<string, string> labels)
    {
        var (uid, gid) = SandboxUser(settings.User);
        var memory = (long)options.MemoryMb << 20;
        var fileSize = (long)options.MaxFileSizeMb << 20;
        return new CreateContainerParameters
        {
            Image = image,
            Cmd = [.. ContainerSupervisor.Command(uid, gid, options.CpuSeconds)],
            Entrypoint = [],
            User = "0:0",
            OpenStdin = true,
            StdinOnce = true,
            AttachStdin = true,
            AttachStdout = true,
            AttachStderr = true,
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
                    [Workspace] = TmpfsOptions(settings.WorkspaceMb, uid, gid),
                    ["/tmp"] = TmpfsOptions(settings.TmpMb, uid, gid),
                },
                CapDrop = ["ALL"],
                CapAdd = ["KILL", "SETUID", "SETGID", "SETPCAP"],
                SecurityOpt = ["no-new-privileges"],
                Memory = memory,
                MemorySwap = memory,
                NanoCPUs = (long)(settings.Cpus * 1e9),
                PidsLimit = options.MaxProcesses,
                Ulimits =
                [
                    new Ulimit { Name = "fsize", Soft = fileSize, Hard = fileSize },
                    new Ulimit { Name = "core", Soft = 0, Hard = 0 },
                ],
                IpcMode = "private",
                AutoRemove = false,
                LogConfig = new LogConfig { Type = "none" },
            },
        };
    }

    private static string TmpfsOptions(int megabytes, int uid, int gid) =>
        string.Create(CultureInfo.InvariantCulture, $"rw,nosuid,nodev,exec,size={megabytes}m,mode=1777,uid={uid},gid={gid}");

    /// <summary>The numeric uid and gid of <see cref="DockerSandboxSettings.User"/> (<c>uid:gid</c>, or <c>uid</c> for both).</summary>
    public static (int Uid, int Gid) SandboxUser(string user)
    {
        var ids = user.Split(':');
        var uid = ParseId(ids[0]);
        var gid = ids.Length > 1 ? ParseId(ids[1]) : uid;
        if (ids.Length > 2 || uid is not int u || gid is not int g)
            throw new ArgumentException($"Docker sandbox user '{user}' must be numeric, uid:gid (such as 65534:65534)", nameof(user));
        return (u, g);
    }

    private static int? ParseId(string id) =>
        int.TryParse(id.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
