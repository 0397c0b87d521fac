using Forge.Core;

namespace Forge.Environments.Tests.Mcp;

/// <summary>The reference MCP "everything" server's tools through <see cref="McpToolSource"/>: text, numbers, images, schemas, deadlines.</summary>
public sealed class EverythingServerTests
{
    private static async Task<McpToolSource> StartAsync() =>
        await McpToolSource.StartAsync("node", [NodeServers.Require("server-everything"), "stdio"]);

    private static Task<Message> CallAsync(McpToolSource source, string tool, string arguments, double timeoutSeconds = 10) =>
        source.InvokeAsync(new ToolCall("c1", tool, arguments), TimeSpan.FromSeconds(timeoutSeconds), CancellationToken.None);

    [SkippableFact]
    public async Task Tools_ListedWithTheirSchemas()
    {
        await using var source = await StartAsync();

        var sum = Assert.Single(source.Tools, t => t.Name == "get-sum");
        Assert.Equal(["a", "b"], sum.ParametersSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Contains(source.Tools, t => t.Name == "echo");
    }

    [SkippableFact]
    public async Task Calls_EchoSumAndImage_AnsweredAsToolMessages()
    {
        await using var source = await StartAsync();

        var echo = await CallAsync(source, "echo", """{"message": "héllo, world"}""");
        var sum = await CallAsync(source, "get-sum", """{"a": 2, "b": 40}""");
        var image = await CallAsync(source, "get-tiny-image", "{}");

        Assert.Equal(("echo", "c1", false, "Echo: héllo, world"), (echo.Name, echo.ToolCallId, echo.IsError, echo.Content));
        Assert.False(sum.IsError, sum.Content);
        Assert.Contains("42", sum.Content);
        Assert.False(image.IsError, image.Content);
        Assert.Contains("[image]", image.Content);   // non-text blocks are named by type
    }

    [SkippableFact]
    public async Task Calls_WrongArgumentsOrTooSlow_AreToolErrors()
    {
        await using var source = await StartAsync();

        var wrong = await CallAsync(source, "get-sum", """{"a": "two", "b": 3}""");
        var slow = await CallAsync(source, "trigger-long-running-operation", """{"duration": 5, "steps": 5}""", timeoutSeconds: 0.5);
        var after = await CallAsync(source, "echo", """{"message": "still here"}""");

        Assert.True(wrong.IsError);
        Assert.StartsWith("tool 'get-sum' failed: ", wrong.Content);
        Assert.Equal(ToolErrors.TimedOut("trigger-long-running-operation", TimeSpan.FromSeconds(0.5)), slow.Content);
        Assert.Equal("Echo: still here", after.Content);   // the session survives a call cut off by its deadline
    }
}
