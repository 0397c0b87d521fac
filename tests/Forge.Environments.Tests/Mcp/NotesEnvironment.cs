using Forge.Core;
using Forge.Core.Rewards;
using Forge.Core.Scripted;

namespace Forge.Environments.Tests.Mcp;

/// <summary>A note to read: its file name and text.</summary>
public sealed record NoteTask(string Id, string File, string Text) : IEnvironmentTask;

/// <summary>
/// An environment whose only tools come from the reference MCP filesystem server (npm <c>@modelcontextprotocol/server-filesystem</c>),
/// started per episode on a workspace of its own that holds the task's note: read it, reply with its text.
/// </summary>
[Environment("test/notes", Description = "Read a note through the MCP filesystem server's tools.", Solver = typeof(NoteSolver))]
public sealed class NotesEnvironment : ToolEnvironment<NoteTask>
{
    private string? _workspace;

    /// <summary>The server's entry point, installed by scripts/install-node-test-deps; null when it isn't.</summary>
    public static string? ServerScript { get; } = FindServer();

    protected override async ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        DeleteWorkspace();
        _workspace = Directory.CreateTempSubdirectory("forge-notes-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_workspace, Task.File), Task.Text, cancellationToken);
        var script = ServerScript ?? throw new InvalidOperationException("the MCP filesystem server is not installed; run scripts/install-node-test-deps");
        await UseMcpToolsAsync(await McpToolSource.StartAsync("node", [script, _workspace], cancellationToken: cancellationToken));
    }

    protected override IEnumerable<Message> Prompt(NoteTask task) =>
    [
        Message.System("Use the file tools. Reply with the note's text only."),
        Message.User($"Read the note {Path.Combine(_workspace!, task.File)}."),
    ];

    protected override Rubric Rubric => new Rubric<NoteTask>().Add(new ExactMatch<NoteTask>(c => c.Task.Text, caseSensitive: true, name: "read"));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        DeleteWorkspace();
    }

    private void DeleteWorkspace()
    {
        if (_workspace is not null && Directory.Exists(_workspace)) Directory.Delete(_workspace, recursive: true);
        _workspace = null;
    }

    private static string? FindServer() => NodeServers.Script("server-filesystem");
}

/// <summary>Reads the note named in the prompt with the server's <c>read_text_file</c>, then replies with what it said.</summary>
public sealed class NoteSolver() : ScriptedAgent<NoteTask>("scripted/notes")
{
    protected override Message Act(NoteTask task, AgentTurn turn)
    {
        var result = turn.LastResultOf("read_text_file");
        if (result is not null) return Script.Say(result.Content);
        var path = turn.Conversation.Last(m => m.Role == Role.User).Content["Read the note ".Length..].TrimEnd('.');
        return Script.Call(turn, "read_text_file", new { path });
    }
}
