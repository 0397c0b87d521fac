using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Forge.Serving.Tests.Models;

/// <summary>
/// forge serve over a Hugging Face folder (tiny random Qwen3 weights, the real Qwen3 tokenizer and chat template): the
/// prompt is the template's rendering, replies stream, and a tool call the random model can't write comes back as text.
/// </summary>
public sealed class HuggingFaceModelTests
{
    [SkippableFact]
    public async Task Qwen3Folder_RendersWithItsTemplate_StreamsAndReturnsUnparseableCallsAsText()
    {
        await using var server = await ServedModel.StartAsync(TestModels.Qwen3Folder);

        var (plain, body) = await server.PostAsync("v1/chat/completions", server.Chat("Hello", maxTokens: 6));
        var stream = server.Chat("Hello", maxTokens: 6);
        stream["stream"] = true;
        var streamed = await (await server.Http.PostAsJsonAsync("v1/chat/completions", stream)).Content.ReadAsStringAsync();
        var tools = server.Chat("Get a number", maxTokens: 12);
        tools["tools"] = JsonNode.Parse("""[{"type":"function","function":{"name":"get","parameters":{"type":"object","properties":{"n":{"type":"integer"}}}}}]""");
        tools["tool_choice"] = "required";
        var (toolResponse, toolBody) = await server.PostAsync("v1/chat/completions", tools);

        Assert.True(plain.IsSuccessStatusCode, body?.ToJsonString());
        // <|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n: 9 tokens of the real tokenizer.
        Assert.Equal(9, (int)body!["usage"]!["prompt_tokens"]!);
        Assert.Equal("tiny", (string?)body["model"]);
        Assert.EndsWith("data: [DONE]\n\n", streamed);
        Assert.Contains("\"finish_reason\":\"length\"", streamed);
        Assert.True(toolResponse.IsSuccessStatusCode, toolBody?.ToJsonString());
        var message = toolBody!["choices"]![0]!["message"]!;
        Assert.Null(message["tool_calls"]);
        Assert.StartsWith("<tool_call>\n{\"name\": \"", (string)message["content"]!);   // the opening tool_choice "required" wrote, then the model's text
    }
}
