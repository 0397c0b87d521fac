using System.Text.Json.Nodes;

namespace Forge.Serving.Tests.Api;

/// <summary><c>ignore_eos</c>: the end-of-turn token does not end the reply, which runs to <c>max_tokens</c> (fixed output lengths for benchmarks).</summary>
public sealed class IgnoreEosTests
{
    [Fact]
    public async Task IgnoreEos_ReplyRunsToMaxTokens()
    {
        await using var server = await ServedModel.ScriptedAsync();

        var (_, plain) = await server.PostAsync("v1/chat/completions", server.Chat(maxTokens: 24));
        var body = server.Chat(maxTokens: 24);
        body["ignore_eos"] = true;
        var (response, ignoring) = await server.PostAsync("v1/chat/completions", body);

        Assert.True(response.IsSuccessStatusCode, ignoring?.ToJsonString());
        Assert.Equal("stop", (string?)plain!["choices"]![0]!["finish_reason"]);                 // the scripted reply ends early
        Assert.True((int)plain["usage"]!["completion_tokens"]! < 24);
        Assert.Equal("length", (string?)ignoring!["choices"]![0]!["finish_reason"]);
        Assert.Equal(24, (int)ignoring["usage"]!["completion_tokens"]!);
        Assert.StartsWith((string)plain["choices"]![0]!["message"]!["content"]!, (string)ignoring["choices"]![0]!["message"]!["content"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IgnoreEos_NotABoolean_400NamingTheField()
    {
        await using var server = await ServedModel.ScriptedAsync();
        var body = server.Chat();
        body["ignore_eos"] = "yes";

        var (response, error) = await server.PostAsync("v1/chat/completions", body);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("ignore_eos", (string?)error!["error"]!["param"]);
    }
}
