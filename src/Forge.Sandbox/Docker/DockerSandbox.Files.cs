using Docker.DotNet;
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
        using var exec = await ContainerExec.StartAsync(_engine, ContainerId, _user, ["sh", "-c", WriteScript, "forge-write", target],
            new Dictionary<string, string>(), TimeSpan.FromSeconds(_options.TimeoutSeconds), attachStdin: true, cancellationToken).ConfigureAwait(false);
        var bytes = content.ToArray();
        await exec.Stream.WriteAsync(bytes, 0, bytes.Length, cancellationToken).ConfigureAwait(false);
        exec.Stream.CloseWrite();
        var (_, stderr) = await exec.Stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
        var code = await exec.ExitCodeAsync(cancellationToken).ConfigureAwait(false);
        if (code == 4) throw new UnauthorizedAccessException($"'{path}' in the sandbox's workspace goes through a symbolic link; Forge does not follow links planted by code");
        if (code != 0) throw new IOException($"Writing '{path}' in the Docker sandbox failed (exit {code}): {stderr.Trim()}");
    }

    public async Task<byte[]> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        using var operation = Enter();
        var target = WorkspacePath(path);
        using var exec = await ContainerExec.StartAsync(_engine, ContainerId, _user, ["sh", "-c", ReadScript, "forge-read", target],
            new Dictionary<string, string>(), TimeSpan.FromSeconds(_options.TimeoutSeconds), attachStdin: false, cancellationToken).ConfigureAwait(false);
        var content = new ExecOutput(MaxReadBytes);
        var errors = new ExecOutput(4096);
        var buffer = new byte[81920];
        while (true)
        {
            var read = await exec.Stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF) break;
            var sink = read.Target == MultiplexedStream.TargetStream.StandardError ? errors : content;
            if (!sink.Append(buffer.AsSpan(0, read.Count)))
            {
                await exec.KillAsync(CancellationToken.None).ConfigureAwait(false);
                throw new IOException($"'{path}' in the Docker sandbox is larger than {MaxReadBytes >> 20} MiB");
            }
        }
        var code = await exec.ExitCodeAsync(cancellationToken).ConfigureAwait(false);
        if (code == 4) throw new UnauthorizedAccessException($"'{path}' in the sandbox's workspace goes through a symbolic link; Forge does not follow links planted by code");
        if (code == 3) throw new FileNotFoundException($"'{path}' doesn't exist in the sandbox's workspace", path);
        if (code != 0) throw new IOException($"Reading '{path}' in the Docker sandbox failed (exit {code}): {errors.Text.Trim()}");
        return content.Bytes;
    }

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
