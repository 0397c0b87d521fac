using System.Buffers;
using System.Text;
using System.Text.Json;
using Forge.Core;
using Forge.Training.Generation;
using Forge.Training.Tokenization;

namespace Forge.Serving.Api;

/// <summary>The JSON of chat completion replies and stream chunks, in OpenAI's shapes.</summary>
internal sealed class CompletionJson(string id, string model, long created, long version, ITokenizer tokenizer)
{
    /// <summary>Token usage of a request.</summary>
    public readonly record struct Usage(int Prompt, int Completion);

    /// <summary>What one finished choice holds.</summary>
    public sealed record Choice(int Index, string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason, IReadOnlyList<DecodedToken>? LogProbs);

    /// <summary>A whole <c>chat.completion</c> object.</summary>
    public string Completion(IReadOnlyList<Choice> choices, Usage usage) => Write(w =>
    {
        Header(w, "chat.completion");
        w.WriteStartArray("choices");
        foreach (var c in choices)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Index);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            if (c.Content is null) w.WriteNull("content"); else w.WriteString("content", c.Content);
            w.WriteNull("refusal");
            if (c.ToolCalls.Count > 0) ToolCalls(w, c.ToolCalls, withIndex: false);
            w.WriteEndObject();
            LogProbs(w, c.LogProbs);
            w.WriteString("finish_reason", c.FinishReason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        UsageObject(w, usage);
    });

    /// <summary>A <c>chat.completion.chunk</c> with one choice's delta (role, content, tool calls) and/or its finish reason, as a server-sent event (UTF-8).</summary>
    public byte[] Chunk(int index, string? role, string? content, IReadOnlyList<ToolCall>? toolCalls, IReadOnlyList<DecodedToken>? logProbs, string? finishReason, bool includeUsageField) => Event(w =>
    {
        Header(w, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        if (role is not null) w.WriteString("role", role);
        if (content is not null) w.WriteString("content", content);
        if (toolCalls is { Count: > 0 }) ToolCalls(w, toolCalls, withIndex: true);
        w.WriteEndObject();
        LogProbs(w, logProbs);
        if (finishReason is null) w.WriteNull("finish_reason"); else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (includeUsageField) w.WriteNull("usage");
    });

    /// <summary>The last chunk of a stream with <c>include_usage</c>: no choices, the usage, as a server-sent event (UTF-8).</summary>
    public byte[] UsageChunk(Usage usage) => Event(w =>
    {
        Header(w, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteEndArray();
        UsageObject(w, usage);
    });

    private void Header(Utf8JsonWriter w, string type)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", type);
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteString("system_fingerprint", $"forge-policy-v{version}");
    }

    private static void ToolCalls(Utf8JsonWriter w, IReadOnlyList<ToolCall> calls, bool withIndex)
    {
        w.WriteStartArray("tool_calls");
        for (var i = 0; i < calls.Count; i++)
        {
            w.WriteStartObject();
            if (withIndex) w.WriteNumber("index", i);
            w.WriteString("id", calls[i].Id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", calls[i].Name);
            w.WriteString("arguments", calls[i].ArgumentsJson);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private void LogProbs(Utf8JsonWriter w, IReadOnlyList<DecodedToken>? tokens)
    {
        if (tokens is null)
        {
            w.WriteNull("logprobs");
            return;
        }
        w.WriteStartObject("logprobs");
        w.WriteStartArray("content");
        foreach (var t in tokens)
        {
            w.WriteStartObject();
            TokenFields(w, t.Id, t.LogProb);
            w.WriteStartArray("top_logprobs");
            foreach (var (id, logProb) in t.Top)
            {
                w.WriteStartObject();
                TokenFields(w, id, logProb);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("refusal");
        w.WriteEndObject();
    }

    private void TokenFields(Utf8JsonWriter w, int id, float logProb)
    {
        var text = id < tokenizer.VocabSize ? tokenizer.Decode([id]) : "";
        w.WriteString("token", text);
        w.WriteNumber("logprob", float.IsNegativeInfinity(logProb) ? -9999f : logProb);
        w.WriteStartArray("bytes");
        foreach (var b in Encoding.UTF8.GetBytes(text)) w.WriteNumberValue(b);
        w.WriteEndArray();
    }

    private static void UsageObject(Utf8JsonWriter w, Usage usage)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", usage.Prompt);
        w.WriteNumber("completion_tokens", usage.Completion);
        w.WriteNumber("total_tokens", usage.Prompt + usage.Completion);
        w.WriteEndObject();
    }

    private static readonly byte[] EventStart = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    /// <summary>The event that ends a stream.</summary>
    public static byte[] Done { get; } = "data: [DONE]\n\n"u8.ToArray();

    // `data: JSON` and a blank line, written straight as UTF-8 (one event per streamed delta, so no string in between).
    private static byte[] Event(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Write(EventStart);
        using (var w = new Utf8JsonWriter(buffer))
        {
            body(w);
            w.WriteEndObject();
        }
        buffer.Write(EventEnd);
        return buffer.WrittenSpan.ToArray();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
