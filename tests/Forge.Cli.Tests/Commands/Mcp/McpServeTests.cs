using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Forge.Cli.Tests.Commands.Mcp;

/// <summary>`forge mcp serve` answers the official MCP C# SDK client over stdio: the environment's tools, their schemas, their results and errors.</summary>
public sealed class McpServeTests
{
    private static Task<McpClient> ConnectAsync(params string[] args) =>
        McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "forge",
            Command = ForgeProcess.DotnetHost,
            Arguments = [Path.Combine(AppContext.BaseDirectory, "forge.dll"), "mcp", "serve", .. args],
            WorkingDirectory = ForgeProcess.RepositoryRoot,
        }));

    [Fact]
    public async Task Serve_MathArithmetic_ListsAndCallsTheCalculator()
    {
        await using var client = await ConnectAsync("math/arithmetic");

        var tool = Assert.Single(await client.ListToolsAsync());
        Assert.Equal("calculate", tool.Name);
        Assert.Contains("arithmetic expression", tool.Description ?? "");
        Assert.Equal("string", tool.JsonSchema.GetProperty("properties").GetProperty("expression").GetProperty("type").GetString());
        Assert.Equal("forge/math/arithmetic", client.ServerInfo?.Name);

        var result = await client.CallToolAsync("calculate", new Dictionary<string, object?> { ["expression"] = "(12 + 30) * 1.5" });
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("63", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);

        var error = await client.CallToolAsync("calculate", new Dictionary<string, object?> { ["expression"] = "1 / 0" });
        Assert.True(error.IsError);
        Assert.StartsWith("tool 'calculate' failed: ", Assert.IsType<TextContentBlock>(Assert.Single(error.Content)).Text);   // the dispatcher's own error, as an episode sees it
    }

    [Fact]
    public async Task Serve_VaultTask_ToolResultsFollowTheTasksBoard()
    {
        await using var client = await ConnectAsync("game/vault", "--task", "vault-0-0-L1", "--seed", "0");

        var result = await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["key"] = "K99" });
        Assert.True(result.IsError);
        Assert.Contains("no vault 'K99'", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        var note = await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["key"] = "K0" });
        Assert.NotEqual(true, note.IsError);
        Assert.False(string.IsNullOrWhiteSpace(Assert.IsType<TextContentBlock>(Assert.Single(note.Content)).Text));
    }
}
