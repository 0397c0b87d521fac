using Forge.Core;
using Forge.Core.Rewards;

namespace Forge.Environments.Tests.Mcp;

/// <summary>
/// <see cref="NotesEnvironment"/> with the MCP filesystem server started inside the episode's sandbox: the note is written
/// into the sandbox's workspace, and the server is allowed the whole file system ("/"), so only the sandbox keeps it in.
/// </summary>
[Environment("test/sandboxed-notes", Description = "Read a note through the MCP filesystem server, run in the episode's sandbox.", Solver = typeof(NoteSolver))]
[RequiresSandbox]
public sealed class SandboxedNotesEnvironment : ToolEnvironment<NoteTask>
{
    /// <summary>Where the sandbox's workspace appears to commands inside it.</summary>
    public const string Workspace = "/workspace";

    protected override async ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        var sandbox = Context.Sandbox ?? throw new InvalidOperationException("test/sandboxed-notes needs a sandbox");
        await sandbox.WriteFileAsync(Task.File, System.Text.Encoding.UTF8.GetBytes(Task.Text), cancellationToken);
        _ = NodeServers.Script("server-filesystem") ?? throw new InvalidOperationException("the MCP filesystem server is not installed; run scripts/install-node-test-deps");
        await UseMcpToolsAsync(await McpToolSource.StartInSandboxAsync(sandbox, ["node", NodeServers.SandboxScript("server-filesystem"), "/"],
            [NodeServers.SandboxModules!], cancellationToken));
    }

    protected override IEnumerable<Message> Prompt(NoteTask task) =>
    [
        Message.System("Use the file tools. Reply with the note's text only."),
        Message.User($"Read the note {Workspace}/{task.File}."),
    ];

    protected override Rubric Rubric => new Rubric<NoteTask>().Add(new ExactMatch<NoteTask>(c => c.Task.Text, caseSensitive: true, name: "read"));
}
