using System.Diagnostics;
using System.Text.Json;
using Forge.Serving.Tests.Models;

namespace Forge.Serving.Tests.Clients;

/// <summary>
/// The official <c>openai</c> npm client (tests/TestData/node, installed by scripts/test) against forge serve from node:
/// a reply with logprobs, a stream with usage, a streamed tool call assembled from its deltas, the SDK's stream helper, and
/// an error.
/// </summary>
public sealed class NodeClientTests : IAsyncLifetime
{
    private ServedModel _server = null!;

    public async Task InitializeAsync() => _server = await ServedModel.ScriptedAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [SkippableFact]
    public async Task OpenAiNpm_TextStreamToolsAndErrors()
    {
        var node = Path.Combine(TestModels.RepositoryRoot, "tests", "TestData", "node");
        var installed = File.Exists(Path.Combine(node, "node_modules", "openai", "package.json"));
        var reason = $"the openai npm package is not installed in {node}; run scripts/install-node-test-deps (scripts/test does).";
        if (!installed && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"CI=true, so this test may not skip: {reason}");
        Skip.IfNot(installed, reason);

        var start = new ProcessStartInfo("node", [Path.Combine(node, "openai-client.js"), _server.V1.ToString(), _server.Model])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = node,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, await stderr);
        var result = JsonDocument.Parse(await stdout).RootElement;

        var plain = result.GetProperty("plain");
        Assert.Equal("Hi!", plain.GetProperty("content").GetString());
        Assert.Equal("stop", plain.GetProperty("finish").GetString());
        Assert.Equal("chat.completion", plain.GetProperty("object").GetString());
        Assert.Equal(["H", "i", "!"], plain.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(4, plain.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var stream = result.GetProperty("stream");
        Assert.Equal("Hi!", stream.GetProperty("text").GetString());
        Assert.Equal("stop", stream.GetProperty("finish").GetString());
        Assert.Equal(1, stream.GetProperty("ids").GetInt32());
        Assert.Equal(12, stream.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        var call = Assert.Single(result.GetProperty("tools").GetProperty("calls").EnumerateArray());
        Assert.Equal("get", call.GetProperty("name").GetString());
        Assert.Equal(7, JsonDocument.Parse(call.GetProperty("arguments").GetString()!).RootElement.GetProperty("n").GetInt32());
        Assert.StartsWith("call_", call.GetProperty("id").GetString());
        Assert.Equal("tool_calls", result.GetProperty("tools").GetProperty("finish").GetString());

        var helper = result.GetProperty("helper");
        Assert.Equal("get", Assert.Single(helper.GetProperty("calls").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("tool_calls", helper.GetProperty("finish").GetString());

        var error = result.GetProperty("error");
        Assert.Equal(404, error.GetProperty("status").GetInt32());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }
}
