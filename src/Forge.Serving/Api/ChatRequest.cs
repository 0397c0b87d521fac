using Forge.Core;

namespace Forge.Serving.Api;

/// <summary>How the request lets the model use its tools.</summary>
public enum ToolChoiceMode
{
    /// <summary>The model decides (the default when tools are given).</summary>
    Auto,

    /// <summary>No tool calls: the reply is text.</summary>
    None,

    /// <summary>The reply must call a tool.</summary>
    Required,

    /// <summary>The reply must call <see cref="ChatRequest.ToolChoiceName"/>.</summary>
    Named,
}

/// <summary>A chat completion request, read and checked (<see cref="ChatRequestReader"/>).</summary>
public sealed record ChatRequest
{
    /// <summary>The model asked for.</summary>
    public required string Model { get; init; }

    /// <summary>The conversation in Forge's message shape.</summary>
    public required IReadOnlyList<Message> Messages { get; init; }

    /// <summary>The tools offered.</summary>
    public IReadOnlyList<ToolSpec> Tools { get; init; } = [];

    /// <summary>tool_choice.</summary>
    public ToolChoiceMode ToolChoice { get; init; } = ToolChoiceMode.Auto;

    /// <summary>The function tool_choice names, for <see cref="ToolChoiceMode.Named"/>.</summary>
    public string? ToolChoiceName { get; init; }

    /// <summary>Sampling temperature (0 = greedy).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>max_completion_tokens or max_tokens; null = as many as the context leaves.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Stop strings (at most 4).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Choices to generate.</summary>
    public int N { get; init; } = 1;

    /// <summary>Sampling seed; null = a random one. Choice i samples with seed + i.</summary>
    public long? Seed { get; init; }

    /// <summary>Whether to return log-probs.</summary>
    public bool LogProbs { get; init; }

    /// <summary>Most likely alternatives per token (0–20; needs logprobs).</summary>
    public int TopLogProbs { get; init; }

    /// <summary>Server-sent events instead of one JSON reply.</summary>
    public bool Stream { get; init; }

    /// <summary>stream_options.include_usage: a last chunk with the usage.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>
    /// ignore_eos (an extension, named as other OpenAI-compatible servers name it): the model's end-of-turn tokens do not end
    /// the reply, so it runs to <see cref="MaxTokens"/> (or a stop string). Serving benchmarks use it for fixed output lengths.
    /// </summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Whether tool calls are read from the reply.</summary>
    public bool ParsesToolCalls => Tools.Count > 0 && ToolChoice != ToolChoiceMode.None;
}
