using Forge.Serving.Batching;
using Forge.Serving.Chat;
using Forge.Serving.Episodes;
using Forge.Serving.Policy;
using Forge.Training.Generation;
using Microsoft.AspNetCore.Http;

namespace Forge.Serving.Api;

/// <summary>The two ways a completion is answered: one JSON object, or server-sent event chunks ending with <c>data: [DONE]</c>.</summary>
internal sealed partial class ChatCompletionsEndpoint
{
    private static async Task<IReadOnlyList<ServedChoice>> ReplyAsync(
        HttpContext context, ServedPolicy policy, BatchScheduler scheduler, ChatRequest request, List<CompletionRow> rows, string prefix, int promptTokens, int turn)
    {
        var texts = await Task.WhenAll(rows.Select(row =>
            ConsumeAsync(row, new ReplyText(policy.Tokenizer, policy.StopTokens, request.Stop), scheduler, null, context.RequestAborted)));
        var choices = new List<CompletionJson.Choice>();
        var served = new List<ServedChoice>();
        for (var i = 0; i < texts.Length; i++)
        {
            var (text, finished) = texts[i];
            var reply = ReplyMessage.From(policy, request, prefix, text.Text, finished, text.StopMatched, turn);
            choices.Add(new CompletionJson.Choice(i, reply.Content, reply.ToolCalls, reply.FinishReason, request.LogProbs ? Reported(policy, text) : null));
            served.Add(Served(text, reply));
        }
        var usage = new CompletionJson.Usage(promptTokens, texts.Sum(t => t.Text.Tokens.Count));
        context.Response.Headers[VersionHeader] = rows[0].Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Json(request, rows[0].Version, policy).Completion(choices, usage), context.RequestAborted);
        return served;
    }

    private static async Task<IReadOnlyList<ServedChoice>> StreamAsync(
        HttpContext context, ServedPolicy policy, BatchScheduler scheduler, ChatRequest request, List<CompletionRow> rows, string prefix, int promptTokens, int turn)
    {
        // The version is known once the first row has joined the batch, before its first token.
        await rows[0].Events.WaitToReadAsync(context.RequestAborted);
        var json = Json(request, rows[0].Version, policy);
        context.Response.Headers[VersionHeader] = rows[0].Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentType = "text/event-stream";
        using var gate = new SemaphoreSlim(1);
        async Task Send(byte[] sse)
        {
            await gate.WaitAsync(context.RequestAborted);
            try
            {
                await context.Response.BodyWriter.WriteAsync(sse, context.RequestAborted);   // writes and flushes
            }
            finally
            {
                gate.Release();
            }
        }

        // Text streams as it comes; with tools the reply is read whole by the tool-call parser, so it is sent at the end.
        var buffered = request.ParsesToolCalls;
        var usageField = request.IncludeUsage;
        var texts = await Task.WhenAll(rows.Select(async (row, i) =>
        {
            await Send(json.Chunk(i, "assistant", "", null, null, null, usageField));
            var text = new ReplyText(policy.Tokenizer, policy.StopTokens, request.Stop);
            Func<string, IReadOnlyList<DecodedToken>, Task>? onDelta = buffered ? null
                : (delta, tokens) => Send(json.Chunk(i, null, delta, null, request.LogProbs ? tokens : null, null, usageField));
            var (done, finished) = await ConsumeAsync(row, text, scheduler, onDelta, context.RequestAborted);
            var reply = ReplyMessage.From(policy, request, prefix, done.Text, finished, done.StopMatched, turn);
            if (buffered)
            {
                // The reply's log-probs go with its first chunk: the text, or the tool calls when there is no text.
                var logProbs = request.LogProbs ? Reported(policy, done) : null;
                if (reply.Content is { Length: > 0 } || reply.ToolCalls.Count == 0)
                {
                    await Send(json.Chunk(i, null, reply.Content ?? "", null, logProbs, null, usageField));
                    logProbs = null;
                }
                if (reply.ToolCalls.Count > 0)
                    await Send(json.Chunk(i, null, null, reply.ToolCalls, logProbs, null, usageField));
            }
            else if (done.Flush() is { Length: > 0 } rest)
            {
                await Send(json.Chunk(i, null, rest, null, null, null, usageField));
            }
            await Send(json.Chunk(i, null, null, null, null, reply.FinishReason, usageField));
            return (done, reply);
        }));
        if (request.IncludeUsage)
            await Send(json.UsageChunk(new CompletionJson.Usage(promptTokens, texts.Sum(t => t.done.Tokens.Count))));
        await context.Response.BodyWriter.WriteAsync(CompletionJson.Done, context.RequestAborted);
        return [.. texts.Select(t => Served(t.done, t.reply))];
    }

    // The tokens whose log-probs a reply reports: those of its text, without the end-of-turn token.
    private static List<DecodedToken> Reported(ServedPolicy policy, ReplyText text) => [.. text.Tokens.Where(t => !policy.StopTokens.Contains(t.Id))];
}
