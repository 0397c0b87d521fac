using Forge.Core;

namespace Forge.Sandbox.Docker;

internal sealed partial class DockerSandbox
{
    /// <summary>Largest file <see cref="ReadFileAsync"/> returns.</summary>
    private const int MaxReadBytes = 64 << 20;

    // Both refuse a path that passes through a symbolic link (exit 4): the code may plant links, the host never follows them.
    private const string NoLinks = "[ \"$(realpath -m -- \"$1\")\" = \"$1\" ] || { echo \"path goes through a symbolic link\" >&2; exit 4; }\n";
    private const string WriteScript = NoLinks + "mkdir -p -- \"$(dirname -- \"$1\")\" || exit 5\n" + NoLinks + "exec cat > \"$1\"";
    private const string ReadScript = NoLinks + "if [ -f \"$1\" ]; then exec cat -- \"$1\"; else echo missing >&2; exit 3; fi";

    public async Task WriteFileAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        using var operation = Enter();
        var target = WorkspacePath(path);
        var (exit, _, stderr) = await RunSupervisedAsync(["sh", "-c", WriteScript, "forge-write", target], NoEnvironment,
            TimeSpan.FromSeconds(_options.TimeoutSeconds), 4096, content.ToArray(), cancellationToken).ConfigureAwait(false);
        if (exit.ExitCode == 4) throw new UnauthorizedAccessException($"'{path}' in the sandbox's workspace goes through a symbolic link; Forge does not follow links planted by code");
        if (exit.ExitCode != 0) throw new IOException($"Writing '{path}' in the Docker sandbox failed (exit {exit.ExitCode}): {stderr.Text.Trim()}");
    }

    public async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        using var operation = Enter();
        var target = WorkspacePath(path);
        var (exit, content, errors) = await RunSupervisedAsync(["sh", "-c", ReadScript, "forge-read", target], NoEnvironment,
            TimeSpan.FromSeconds(_options.TimeoutSeconds), MaxReadBytes, stdin: null, cancellationToken).ConfigureAwait(false);
        if (exit.Stopped == SandboxLimit.Output) throw new IOException($"'{path}' in the Docker sandbox is larger than {MaxReadBytes >> 20} MiB");
        if (exit.ExitCode == 4) throw new UnauthorizedAccessException($"'{path}' in the sandbox's workspace goes through a symbolic link; Forge does not follow links planted by code");
        if (exit.ExitCode == 3) throw new FileNotFoundException($"'{path}' doesn't exist in the sandbox's workspace", path);
        if (exit.ExitCode != 0) throw new IOException($"Reading '{path}' in the Docker sandbox failed (exit {exit.ExitCode}): {errors.Text.Trim()}");
        return content.Bytes;
    }

    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    /// <summary>The absolute container path of a workspace-relative path; paths that leave the workspace are refused.</summary>
    internal static string WorkspacePath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (path.Contains('\0')) throw new ArgumentException($"Sandbox path '{path}' contains a NUL character", nameof(path));
        if (path.StartsWith('/')) throw new ArgumentException($"Sandbox path '{path}' must be relative to the workspace", nameof(path));
        var parts = path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Length == 0 || parts.Contains("..")) throw new ArgumentException($"Sandbox path '{path}' leaves the workspace", nameof(path));
        return ContainerSpec.Workspace + "/" + string.Join('/', parts);
    }
}
