using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Forge.Core.Configuration;
using Polly;
using Polly.Retry;

namespace Forge.Core.Rewards;

/// <summary>
/// A judge model shared by every episode of a run and every <see cref="LlmJudge{TTask}"/> that asks it: replies cached by
/// (model, mode, prompt hash), requests in flight bounded, transient failures retried. The host hands it to episodes
/// (<see cref="EpisodeContext.Judge"/>); a rerun hands each episode a <see cref="Replaying"/> view, which answers the
/// questions the recording asked with the recorded replies instead of calling the model.
/// </summary>
public sealed class JudgeEndpoint
{
    private readonly Shared _shared;
    private readonly IReadOnlyDictionary<string, Judgement>? _recorded;
    private readonly ConcurrentQueue<string> _changes = new();
    private int _replayed;

    /// <summary>An endpoint asking <paramref name="model"/> as <paramref name="options"/> say; throws <see cref="ArgumentException"/> naming every bad option.</summary>
    public JudgeEndpoint(IJudgeModel model, LlmJudgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var problems = OptionsValidator.Validate(options);
        if (problems.Count > 0) throw new ArgumentException($"LLM judge: {string.Join("; ", problems)}", nameof(options));
        _shared = new Shared(model, options);
    }

    private JudgeEndpoint(Shared shared, IReadOnlyDictionary<string, Judgement>? recorded) => (_shared, _recorded) = (shared, recorded);

    /// <summary>The options it asks with.</summary>
    public LlmJudgeOptions Options => _shared.Options;

    /// <summary>Requests actually sent to the model (cache misses, recorded answers excluded), across every view of this endpoint.</summary>
    public int Requests => _shared.Requests;

    /// <summary>Verdicts this view answered from its recording, without a call.</summary>
    public int Replayed => _replayed;

    /// <summary>What this view found changed since the recording: a judge whose model, mode or prompt differs from the recorded one (asked again).</summary>
    public IReadOnlyCollection<string> Changes => _changes;

    /// <summary>
    /// An endpoint for reruns that have no model to ask: it answers only from a recording (<see cref="Replaying"/>); any
    /// other question fails, and the function that asked it scores 0 with the reason noted.
    /// </summary>
    public static JudgeEndpoint RecordingOnly(JudgeProvenance judged)
    {
        ArgumentNullException.ThrowIfNull(judged);
        return new JudgeEndpoint(new NoModel(judged), new LlmJudgeOptions { Model = judged.Model, Mode = judged.Mode, Endpoint = judged.Endpoint, Retries = 0 });
    }

    /// <summary>What a trajectory records about the judge: model, mode, endpoint URL and the API key's variable (never the key).</summary>
    public JudgeProvenance Provenance => new()
    {
        Model = Options.Model ?? "",
        Mode = Options.Mode,
        Endpoint = Options.Endpoint is { } e && Uri.TryCreate(e, UriKind.Absolute, out var uri) ? new UriBuilder(uri) { UserName = "", Password = "", Query = "" }.Uri.ToString() : null,
        ApiKeyEnv = Options.Endpoint is null ? null : Options.ApiKeyEnv,
    };

    /// <summary>
    /// A view of this endpoint for re-executing one recorded episode: a question a function asked in the recording (same
    /// function, model, mode and prompt) gets the recorded reply without a call; any other question (a fork's new turns, a
    /// changed rubric) goes to the model. The cache, bound and counters are shared.
    /// </summary>
    public JudgeEndpoint Replaying(IReadOnlyDictionary<string, Judgement>? recorded) => new(_shared, recorded);

    /// <summary>The verdict of <paramref name="function"/> on <paramref name="prompt"/> (whose rubric part hashes to <paramref name="rubricHash"/>); throws when the model can't be reached.</summary>
    internal async Task<Judgement> JudgeAsync(string function, string prompt, string rubricHash, CancellationToken cancellationToken)
    {
        var promptHash = Hash(prompt);
        var (model, mode) = (Options.Model!, Options.Mode);
        if (_recorded is not null && _recorded.TryGetValue(function, out var then))
        {
            if (then.Model == model && then.Mode == mode && then.PromptHash == promptHash)
            {
                Interlocked.Increment(ref _replayed);
                return then;
            }
            // A different conversation (a fork's new turns) is a new question, not a change; the rest are changes to say.
            if (then.Model != model) _changes.Enqueue($"judge `{function}` now asks model {model}; the episode was judged by {then.Model}");
            else if (then.Mode != mode) _changes.Enqueue($"judge `{function}` now reads {Name(mode)} verdicts; the episode was judged in {Name(then.Mode)} mode");
            else if (then.RubricHash != rubricHash)
                _changes.Enqueue($"the prompt of judge `{function}` changed since the episode was recorded (rubric hash {then.RubricHash[..12]} then, {rubricHash[..12]} now): the judge is asked again");
        }
        var reply = await _shared.AskAsync(promptHash, prompt, cancellationToken).ConfigureAwait(false);
        return new Judgement(model, mode, promptHash, rubricHash, reply.Text) { FirstTokenLogprobs = reply.FirstTokenLogprobs };
    }

    private static string Name(JudgeMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>SHA-256 of <paramref name="text"/>, lower-case hex.</summary>
    internal static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>What every view of one endpoint shares: the model, the cache, the bound on requests in flight, the retries.</summary>
    private sealed class Shared
    {
        private readonly IJudgeModel _model;
        private readonly SemaphoreSlim _inFlight;
        private readonly ResiliencePipeline _retry;
        private readonly ConcurrentDictionary<string, Lazy<Task<JudgeReply>>> _cache = new(StringComparer.Ordinal);
        private int _requests;

        public Shared(IJudgeModel model, LlmJudgeOptions options)
        {
            (_model, Options) = (model, options);
            _inFlight = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
            _retry = options.Retries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutException>(),
                MaxRetryAttempts = options.Retries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
            }).Build();
        }

        public LlmJudgeOptions Options { get; }

        public int Requests => Volatile.Read(ref _requests);

        public async Task<JudgeReply> AskAsync(string promptHash, string prompt, CancellationToken cancellationToken)
        {
            var key = $"{Options.Model}\u0000{Options.Mode}\u0000{promptHash}";
            try
            {
                // Lazy: two episodes asking the same question at once share one request (GetOrAdd may run its factory twice).
                return await _cache.GetOrAdd(key, _ => new Lazy<Task<JudgeReply>>(() => SendAsync(prompt, cancellationToken))).Value.ConfigureAwait(false);
            }
            catch
            {
                _cache.TryRemove(key, out _);   // a failure isn't a verdict: the next episode asks again
                throw;
            }
        }

        private async Task<JudgeReply> SendAsync(string prompt, CancellationToken cancellationToken)
        {
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var top = Options.Mode == JudgeMode.Logprobs ? Options.TopLogprobs : 0;
                return await _retry.ExecuteAsync(async token =>
                {
                    Interlocked.Increment(ref _requests);
                    return await _model.AskAsync(Options.Model!, prompt, top, token).ConfigureAwait(false);
                }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _inFlight.Release();
            }
        }
    }

    /// <summary>The model of <see cref="RecordingOnly"/>: there is none to ask.</summary>
    private sealed class NoModel(JudgeProvenance judged) : IJudgeModel
    {
        public Task<JudgeReply> AskAsync(string model, string prompt, int topLogprobs, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"no judge endpoint to ask in this rerun (the episode was judged by {judged.Model}{(judged.Endpoint is { } e ? $" at {e}" : "")}); only the questions the recording asked can be answered");
    }
}
