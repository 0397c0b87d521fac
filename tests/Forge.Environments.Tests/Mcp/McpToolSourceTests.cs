using Forge.Core;

namespace Forge.Environments.Tests.Mcp;

/// <summary>Tools from the reference MCP filesystem server run inside episodes, answered like the environment's own tools.</summary>
public sealed class McpToolSourceTests
{
    private static readonly NoteTask[] Tasks = [new("n1", "note.txt", "the vault code is jade"), new("n2", "todo.md", "buy milk\nwalk the dog")];

    private static void RequireServer()
    {
        if (NotesEnvironment.ServerScript is not null) return;
        const string reason = "the MCP filesystem server isn't installed (scripts/install-node-test-deps)";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true, so this test may not skip: {reason}");
        Skip.If(true, reason);
    }

    [SkippableFact]
    public async Task Episodes_WithTheServersTools_AreSolvedAndScored()
    {
        RequireServer();
        await using var environment = new NotesEnvironment();
        foreach (var task in Tasks)
        {
            var outcome = await Episode.PlayAsync(environment, new NoteSolver(), task);

            Assert.Equal(1.0, outcome.Score("read"));
            var result = outcome.Conversation.Single(m => m.Role == Role.Tool);
            Assert.Equal(("read_text_file", false, task.Text), (result.Name, result.IsError, result.Content));
        }
    }

    [SkippableFact]
    public async Task Reset_OffersTheServersToolsWithTheirSchemas()
    {
        RequireServer();
        await using var environment = new NotesEnvironment();

        var reset = await environment.ResetAsync(new EpisodeContext("e", 0), Tasks[0]);

        var read = Assert.Single(reset.Tools, t => t.Name == "read_text_file");
        Assert.Contains("path", read.ParametersSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(reset.Tools, t => t.Name == "list_directory");
    }

    [SkippableFact]
    public async Task Calls_BadJsonOutsideTheWorkspaceOrUnknown_AreToolErrors()
    {
        RequireServer();
        await using var environment = new NotesEnvironment();
        await environment.ResetAsync(new EpisodeContext("e", 0), Tasks[0]);

        var step = await environment.StepAsync(Message.Assistant("",
            new ToolCall("a", "read_text_file", "{not json"),
            new ToolCall("b", "read_text_file", """{"path": "/etc/passwd"}"""),
            new ToolCall("c", "delete_everything", "{}")), CancellationToken.None);

        Assert.False(step.Done);
        Assert.All(step.Observation, m => Assert.True(m.IsError, m.Content));
        Assert.StartsWith(ToolErrors.FormatPrefix + "arguments of 'read_text_file' are not a valid JSON object", step.Observation[0].Content);
        Assert.StartsWith("tool 'read_text_file' failed: ", step.Observation[1].Content);
        Assert.Contains("denied", step.Observation[1].Content, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith(ToolErrors.FormatPrefix + "unknown tool 'delete_everything'. Tools on offer: ", step.Observation[2].Content);
        Assert.Contains("read_text_file", step.Observation[2].Content);
    }
}
