using Forge.Core;
using Forge.Serving.Batching;
using Forge.Serving.Chat;
using Forge.Serving.Episodes;
using Forge.Serving.Hosting;
using Forge.Serving.Policy;
using Forge.Training.Generation;
using Microsoft.AspNetCore.Http;

namespace Forge.Serving.Api;

/// <summary>
/// <c>POST /v1/chat/completions</c> (and <c>/episodes/ID/v1/chat/completions</c>, which also records the call in the
/// episode's log): reads and checks the request, renders the prompt with the policy's chat format, queues one row per
/// choice on the scheduler, and answers with one JSON reply or a stream of chunks. A client that goes away stops its rows,
/// which leave the batch before the next step.
/// </summary>
internal sealed partial class ChatCompletionsEndpoint(ServerState state)
{
    /// <summary>The response header carrying the version of the weights that served the request.</summary>
    public const string VersionHeader = "x-forge-policy-version";

    public async Task HandleAsync(HttpContext context, string? episodeId)
    {
        try
        {
            await ServeAsync(context, episodeId);
        }
        catch (ApiException e)
        {
            await ErrorResponses.WriteAsync(context, e);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; its rows were stopped.
        }
    }

    private async Task ServeAsync(HttpContext context, string? episodeId)
    {
        var (policy, scheduler) = Ready();
        using var reading = scheduler.BeginReading();   // the scheduler holds back a burst's first rows while the rest are read
        using var body = await RequestBody.ReadJsonAsync(context, state.Options.MaxBodyBytes);
        var request = ChatRequestReader.Read(body.RootElement);
        if (request.Model != state.ModelName)
            throw new ApiException(404, $"The model '{request.Model}' does not exist; this server serves '{state.ModelName}'.", "model", code: "model_not_found");
        if (request.N > state.Options.MaxBatch + state.Options.MaxQueue)   // would be refused as a full queue however long it waited
            throw ApiException.BadField("n", $"this server takes at most {state.Options.MaxBatch + state.Options.MaxQueue} choices in one request (its batch of {state.Options.MaxBatch} and queue of {state.Options.MaxQueue}).");
        EpisodeLog? log = null;
        if (episodeId is not null)
            log = state.Episodes.Find(episodeId) ?? throw new ApiException(404, $"Episode '{episodeId}' is not open on this server.", null, code: "episode_not_found");

        var messages = log?.AttachTokens(request.Messages) ?? request.Messages;
        var prefix = ToolChoicePrefix.For(policy.Format, request);
        var prefixIds = prefix.Length == 0 ? [] : policy.Tokenizer.Encode(prefix, parseSpecialTokens: true).ToArray();
        var prompt = Prompt(policy, request, messages, prefixIds);
        if (prompt.Length >= state.Capacity)
            throw new ApiException(413, $"The prompt has {prompt.Length} tokens; this model's context is {state.Capacity} tokens, which leaves none for the reply.", "messages", code: "context_length_exceeded");
        var maxNew = Math.Min(request.MaxTokens ?? int.MaxValue, state.Capacity - prompt.Length);
        var seed = request.Seed ?? Random.Shared.NextInt64();
        var rows = Enumerable.Range(0, request.N)
            .Select(i => new CompletionRow(new DecodeRequest(prompt, request.IgnoreEos ? [] : policy.StopTokens, maxNew, request.Temperature, request.TopP, unchecked(seed + i), request.TopLogProbs)))
            .ToList();
        var queued = scheduler.TryEnqueue(rows);
        reading.Dispose();
        if (!queued)
            throw new ApiException(429, $"The server's queue is full ({state.Options.MaxQueue} waiting rows); retry after a moment.", null, "rate_limit_exceeded", "queue_full") { RetryAfterSeconds = 1 };

        void StopAll()
        {
            foreach (var row in rows) row.Stop();
            scheduler.Nudge();
        }
        using var aborted = context.RequestAborted.Register(StopAll);
        try
        {
            var turn = messages.Count(m => m.Role == Role.Assistant);
            var replies = request.Stream
                ? await StreamAsync(context, policy, scheduler, request, rows, prefix, prompt.Length, turn)
                : await ReplyAsync(context, policy, scheduler, request, rows, prefix, prompt.Length, turn);
            log?.Record(prompt, prefixIds, replies, rows[0].Version, request.Temperature, messages, request.Tools);
        }
        finally
        {
            StopAll();   // rows that matched a stop string, or whose reply failed, leave the batch
        }
    }

    private (ServedPolicy, BatchScheduler) Ready()
    {
        if (state.Policy is { } policy && state.Scheduler is { } scheduler) return (policy, scheduler);
        if (state.LoadError is { } error) throw new ApiException(500, $"The model failed to load: {error}", null, "server_error", "model_load_failed");
        throw new ApiException(503, "The model is still loading; retry shortly.", null, "server_error", "model_loading") { RetryAfterSeconds = 1 };
    }

    private static int[] Prompt(ServedPolicy policy, ChatRequest request, IReadOnlyList<Message> messages, int[] prefixIds)
    {
        int[] ids;
        try
        {
            ids = policy.Encoder.Encode(messages, request.Tools, generationHeader: true).TokenIds;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or ArgumentException or FormatException or NotSupportedException)
        {
            throw ApiException.BadField("messages", $"the model's chat template can't render this conversation: {e.Message}");
        }
        return [.. ids, .. prefixIds];
    }

    // Reads one row's events until its end; onDelta gets each released text delta with the tokens behind it. Events that
    // are already waiting are read together and released as one delta, so a client that falls behind the decode loop gets
    // fewer, larger chunks instead of a backlog of one-token ones.
    private static async Task<(ReplyText Text, FinishReason? Finished)> ConsumeAsync(
        CompletionRow row, ReplyText text, BatchScheduler scheduler, Func<string, IReadOnlyList<DecodedToken>, Task>? onDelta, CancellationToken cancellationToken)
    {
        var pending = new List<DecodedToken>();
        var delta = new System.Text.StringBuilder();
        var events = row.Events;
        while (await events.WaitToReadAsync(cancellationToken))
        {
            FinishReason? finished = null;
            while (finished is null && events.TryRead(out var e))
            {
                if (e.Error is { } error)
                    throw new ApiException(500, $"Decoding failed: {error.Message}", null, "server_error");
                if (e.Finished is { } reason)
                {
                    finished = reason;
                    break;
                }
                if (text.StopMatched) continue;   // drawn before the stop reached the decode loop: not part of the reply
                var token = e.Token!;
                pending.Add(token);
                delta.Append(text.Add(token));
                if (text.StopMatched)
                {
                    row.Stop();
                    scheduler.Nudge();
                }
            }
            if (onDelta is not null && pending.Count > 0 && (delta.Length > 0 || text.StopMatched))
            {
                await onDelta(delta.ToString(), [.. pending]);
                pending.Clear();
                delta.Clear();
            }
            if (finished is not null) return (text, finished);
        }
        return (text, null);
    }

    private static CompletionJson Json(ChatRequest request, long version, ServedPolicy policy) =>
        new($"chatcmpl-{Guid.NewGuid():N}", request.Model, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), version, policy.Tokenizer);

    private static ServedChoice Served(ReplyText text, ReplyMessage reply) =>
        new([.. text.Tokens.Select(t => t.Id)], [.. text.Tokens.Select(t => t.LogProb)], reply.ToMessage(), reply.FinishReason);
}
