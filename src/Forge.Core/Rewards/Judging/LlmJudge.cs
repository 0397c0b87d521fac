using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Forge.Core.Configuration;
using Microsoft.Extensions.AI;
using Polly;
using Polly.Retry;

namespace Forge.Core.Rewards;

/// <summary>
/// A model as judge of what rules can't check (tone, helpfulness, faithfulness): the rubric prompt and the episode go to
/// <see cref="IChatClient"/> at temperature 0, and the verdict (<see cref="JudgeVerdict"/>) becomes the score. It never
/// throws: a reply without a verdict, or a judge that stays unreachable after the retries, scores 0 and is noted as a
/// judge error. The raw reply (or the error) is noted under the function's name (<see cref="RewardContext.Notes"/>), so
/// the trajectory keeps it with the score. Replies are cached by (model, prompt hash); requests in flight are bounded.
/// </summary>
public sealed class LlmJudge<TTask> : RewardFunction<TTask> where TTask : IEnvironmentTask
{
    private readonly IChatClient _client;
    private readonly Func<RewardContext<TTask>, string> _rubric;
    private readonly LlmJudgeOptions _options;
    private readonly SemaphoreSlim _inFlight;
    private readonly ResiliencePipeline _retry;
    private readonly ConcurrentDictionary<string, Task<string>> _cache = new(StringComparer.Ordinal);
    private int _requests;

    /// <summary>A judge named <paramref name="name"/>: <paramref name="rubric"/> says what to judge in an episode.</summary>
    public LlmJudge(string name, double weight, IChatClient client, Func<RewardContext<TTask>, string> rubric, LlmJudgeOptions options) : base(name, weight)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(rubric);
        ArgumentNullException.ThrowIfNull(options);
        var problems = OptionsValidator.Validate(options);
        if (problems.Count > 0) throw new ArgumentException($"LLM judge '{name}': {string.Join("; ", problems)}", nameof(options));
        (_client, _rubric, _options) = (client, rubric, options);
        _inFlight = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        _retry = options.Retries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>(),
            MaxRetryAttempts = options.Retries,
            Delay = options.RetryDelay,
            BackoffType = DelayBackoffType.Exponential,
        }).Build();
    }

    /// <summary>Judge requests actually sent (cache misses), for tests and reports.</summary>
    public int Requests => _requests;

    /// <inheritdoc />
    public override async ValueTask<double> Score(RewardContext<TTask> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var prompt = Prompt(context);
        var key = $"{_options.Model}\u0000{Hash(prompt)}";
        string reply;
        try
        {
            reply = await _cache.GetOrAdd(key, _ => AskAsync(prompt)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _cache.TryRemove(key, out _);   // a failure isn't a verdict: the next episode asks again
            context.Notes[Name] = $"judge error: {e.GetType().Name}: {e.Message}";
            return 0;
        }
        var score = JudgeVerdict.Parse(reply, _options.ScaleMax);
        context.Notes[Name] = score is null ? $"judge error: no verdict in the reply: {reply}" : reply;
        return score ?? 0;
    }

    /// <summary>What the judge is asked: the rubric, the scale, and the episode (the conversation after the system prompt).</summary>
    public string Prompt(RewardContext<TTask> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = new StringBuilder();
        text.AppendLine("You are a strict judge of one conversation between an assistant and a user.");
        text.AppendLine(_rubric(context).Trim());
        text.AppendLine();
        text.AppendLine("The conversation:");
        foreach (var message in context.Conversation.Where(m => m.Role != Role.System))
            text.Append('[').Append(message.Role.ToString().ToLowerInvariant()).Append("] ").AppendLine(message.Content);
        text.AppendLine();
        text.Append(_options.ScaleMax == 1
            ? "Answer with one word on the last line: PASS or FAIL."
            : $"Answer on the last line with 'Score: k', k a whole number from 0 (worst) to {_options.ScaleMax} (best).");
        return text.ToString();
    }

    private async Task<string> AskAsync(string prompt)
    {
        await _inFlight.WaitAsync().ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _requests);
            var response = await _retry.ExecuteAsync(async token => await _client.GetResponseAsync(
                [new ChatMessage(ChatRole.User, prompt)], new ChatOptions { ModelId = _options.Model, Temperature = 0 }, token).ConfigureAwait(false)).ConfigureAwait(false);
            return response.Text;
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
