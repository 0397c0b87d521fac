using System.Net;
using Forge.Core;

namespace Forge.Agents.Programs;

/// <summary>An agent program run inside a sandbox: its files copied into the workspace, its endpoint a Unix socket there.</summary>
public sealed partial record ProcessAgentProgram
{
    private const string RelayFile = ".forge-relay.py";
    private const string SocketFile = ".forge-endpoint.sock";

    private static readonly Lazy<byte[]> RelayScript = new(() =>
    {
        using var stream = typeof(ProcessAgentProgram).Assembly.GetManifestResourceStream("Forge.Agents.sandbox_relay.py")
            ?? throw new InvalidOperationException("The agent program relay script is missing from Forge.Agents.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>
    /// Runs one episode inside <paramref name="sandbox"/> (a backend that shares the host's file system: the local sandbox).
    /// The sandbox has no network: every argument of <see cref="Command"/> that names a file (relative to
    /// <see cref="WorkingDirectory"/>) is copied into its workspace, and the program reaches the server of
    /// <paramref name="baseUrl"/> — and nothing else — through a Unix socket in the workspace, which a small relay inside the sandbox
    /// (<c>python3</c>) serves on the sandbox's own loopback as <c>OPENAI_BASE_URL</c>. The sandbox's limits apply besides
    /// the deadline and the output cap; past any of them the whole process tree dies.
    /// </summary>
    public async Task<string> RunInSandboxAsync(ISandbox sandbox, string taskJson, Uri baseUrl, string model, string apiKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        if (Command.Count == 0) throw new ArgumentException("agent_program.command: give the program and its arguments.");
        var workspace = sandbox.HostWorkspace
            ?? throw new AgentProgramException("start_failed", $"the {sandbox.Backend} sandbox can't run agent programs (they need a workspace shared with the host); use the local sandbox.");
        var command = new List<string>();
        foreach (var argument in Command)
        {
            var file = Path.Combine(WorkingDirectory ?? Directory.GetCurrentDirectory(), argument);
            if (command.Count == 0 || !File.Exists(file))
            {
                command.Add(argument);
                continue;
            }
            var name = Path.GetFileName(file);
            await sandbox.WriteFileAsync(name, await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
            command.Add(name);
        }
        await sandbox.WriteFileAsync(RelayFile, RelayScript.Value, cancellationToken);
        var target = new IPEndPoint(IPAddress.TryParse(baseUrl.Host, out var address) ? address : IPAddress.Loopback, baseUrl.Port);
        await using var relay = UnixSocketRelay.Start(Path.Combine(workspace, SocketFile), target);
        var result = await sandbox.RunAsync(new ExecRequest(["python3", "-I", RelayFile, SocketFile, baseUrl.AbsolutePath, "--", .. command])
        {
            Stdin = taskJson,
            Environment = new Dictionary<string, string> { ["OPENAI_API_KEY"] = apiKey, ["OPENAI_MODEL"] = model },
            Timeout = Deadline,
            OutputLimitBytes = MaxOutputBytes,
        }, cancellationToken);
        return result.Limit switch
        {
            SandboxLimit.None when result.ExitCode == 0 => result.Stdout.Trim(),
            SandboxLimit.None => throw new AgentProgramException("program_failed", $"agent program exited with code {result.ExitCode}: {Tail(result.Stderr)}"),
            SandboxLimit.Deadline => throw new AgentProgramException("deadline_exceeded", $"agent program ran past its deadline of {Deadline.TotalSeconds:0.#} s (or the sandbox's); its process tree was killed."),
            SandboxLimit.Output => throw new AgentProgramException("output_too_large", $"agent program printed more than {MaxOutputBytes} bytes (or the sandbox's cap); its process tree was killed."),
            var limit => throw new AgentProgramException("program_failed", $"agent program hit the sandbox's {limit.ToString().ToLowerInvariant()} limit: {Tail(result.Stderr)}"),
        };
    }
}
