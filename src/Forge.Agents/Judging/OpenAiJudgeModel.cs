using System.ClientModel;
using System.ClientModel.Primitives;
using Forge.Core;
using Forge.Core.Rewards;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace Forge.Agents.Judging;

/// <summary>
/// A judge model behind an OpenAI-compatible chat completions API (OpenAI, vLLM, <c>forge serve</c>), asked through
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> at temperature 0. In logprobs mode it asks for one token with its
/// top log-probabilities (OpenAI's <c>logprobs</c> / <c>top_logprobs</c>) and returns those of the first token. Every
/// connection of the process shares one <see cref="HttpClient"/> (a worker connects once per run it prepares), so there is
/// nothing to dispose.
/// </summary>
public sealed class OpenAiJudgeModel : IJudgeModel
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(10) };
    private readonly OpenAIClient _client;

    /// <summary>A model at <paramref name="endpoint"/> (the API's base URL, like <c>http://127.0.0.1:8000/v1</c>); no key when <paramref name="apiKey"/> is null.</summary>
    public OpenAiJudgeModel(Uri endpoint, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        // The SDK insists on a credential; a server without keys ignores it.
        _client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(apiKey) ? "no-key" : apiKey),
            new OpenAIClientOptions { Endpoint = endpoint, Transport = new HttpClientPipelineTransport(Http) });
    }

    /// <summary>The endpoint <paramref name="options"/> name (<see cref="LlmJudgeOptions.Endpoint"/>, key from <see cref="LlmJudgeOptions.ApiKeyEnv"/>).</summary>
    public static JudgeEndpoint Connect(LlmJudgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoint is null) throw new ArgumentException("LLM judge: endpoint: required (the base URL of an OpenAI-compatible API)", nameof(options));
        var key = Environment.GetEnvironmentVariable(options.ApiKeyEnv);
        return new JudgeEndpoint(new OpenAiJudgeModel(new Uri(options.Endpoint), key), options);
    }

    /// <summary>The judge a trajectory recorded (<see cref="Provenance.Judge"/>), for a rerun or fork to ask what the recording didn't; null when it was no endpoint.</summary>
    public static JudgeEndpoint? Connect(JudgeProvenance judged)
    {
        ArgumentNullException.ThrowIfNull(judged);
        if (judged.Endpoint is null) return null;
        return Connect(new LlmJudgeOptions { Endpoint = judged.Endpoint, Model = judged.Model, Mode = judged.Mode, ApiKeyEnv = judged.ApiKeyEnv ?? "OPENAI_API_KEY" });
    }

    /// <inheritdoc />
    public async Task<JudgeReply> AskAsync(string model, string prompt, int topLogprobs, CancellationToken cancellationToken)
    {
        using var chat = _client.GetChatClient(model).AsIChatClient();
        var options = new ChatOptions { ModelId = model, Temperature = 0 };
        if (topLogprobs > 0)
        {
            options.MaxOutputTokens = 1;   // the verdict is in the first token's probabilities
            options.RawRepresentationFactory = _ => new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = topLogprobs };
        }
        var response = await chat.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, prompt)], options, cancellationToken).ConfigureAwait(false);
        if (topLogprobs == 0) return new JudgeReply(response.Text);
        var tokens = (response.RawRepresentation as ChatCompletion)?.ContentTokenLogProbabilities;
        var first = tokens is { Count: > 0 } ? tokens[0].TopLogProbabilities.Select(t => new JudgeLogprob(t.Token, t.LogProbability)).ToList() : [];
        return new JudgeReply(response.Text, first);
    }
}
