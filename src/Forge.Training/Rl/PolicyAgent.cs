using System.Threading.Channels;
using Forge.Agents.ChatFormat;
using Forge.Core;
using Forge.Training.Devices;
using Forge.Training.Generation;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Tokenization;
using TorchSharp;

namespace Forge.Training.Rl;

/// <summary>
/// The local TorchSharp policy as an agent. Each turn renders the conversation (<see cref="ConversationEncoder"/>), queues
/// the prompt, and waits; a single generation loop gathers the prompts of concurrent episodes — for up to
/// <see cref="TrainerOptions.GenerationWindowMs"/> or <see cref="TrainerOptions.GenerationBatch"/> rows — and generates
/// them in one batch with the KV cache, stopping each row at an end-of-turn marker. The text is parsed back into a message
/// by the encoder's chat format (<see cref="IChatFormat.Parse"/>) that carries the exact generated ids, their log-probs and the policy version.
/// <see cref="LoadWeightsAsync"/> swaps in new weights between generation batches, never during one. The agent generates with
/// its own copy of the policy; for a policy with <see cref="LoraAdapters"/> that copy shares the frozen base's tensors and
/// holds only its own adapters, so it costs the adapters' memory and a weight sync copies only them. Generation runs on a
/// thread of the agent's own (<see cref="TorchWorker"/>) with a set number of libtorch intra-op threads.
/// </summary>
public sealed class PolicyAgent : IAgent, IAsyncDisposable
{
    private readonly CausalTransformer _model;
    private readonly LoraAdapters? _adapters;
    private readonly ITokenizer _tokenizer;
    private readonly ConversationEncoder _encoder;
    private readonly SamplingOptions _sampling;
    private readonly int _batchRows;
    private readonly TimeSpan _window;
    private readonly int[] _stop;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly torch.Generator _rng;
    private readonly TorchWorker _worker;
    private readonly Task _loop;
    private long _batches, _rows;
    private int _version;

    /// <summary>
    /// Creates the agent; <paramref name="model"/> becomes its own inference copy's weights (it is not modified). It generates
    /// with <paramref name="intraOpThreads"/> libtorch threads (default: the calling thread's count).
    /// </summary>
    public PolicyAgent(CausalTransformer model, ITokenizer tokenizer, ConversationEncoder encoder, TrainerOptions options, int seed, int version = 0, int? intraOpThreads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _encoder = encoder ?? throw new ArgumentNullException(nameof(encoder));
        _adapters = LoraAdapters.Of(model)?.Replica();
        _model = _adapters?.Model ?? PolicyTrainer.Snapshot(model);
        _sampling = new SamplingOptions { Temperature = options.Temperature, TopP = options.TopP, MaxNewTokens = options.MaxNewTokens, Seed = seed }.Validate();
        _batchRows = options.GenerationBatch;
        _window = TimeSpan.FromMilliseconds(options.GenerationWindowMs);
        _stop = [.. encoder.EndOfTurnIds];
        _rng = new torch.Generator((ulong)seed, _model.Device);
        Version = version;
        _worker = new TorchWorker("forge-generation", intraOpThreads ?? TorchWorker.DefaultThreads);
        _loop = Task.Factory.StartNew(GenerateLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <inheritdoc />
    public string Id => "policy";

    /// <summary>SHA-256 of the checkpoint the weights were loaded from, when they were (set by whoever loaded them); recorded in provenance.</summary>
    public string? CheckpointHash { get; set; }

    /// <summary>The policy, its version and the checkpoint's hash.</summary>
    public AgentProvenance Provenance => new()
    {
        Type = "policy",
        PolicyCheckpointHash = CheckpointHash,
        Details = $"policy v{Version}",
    };

    /// <summary>The version of the weights generating now (set on the generation thread).</summary>
    public int Version { get => Volatile.Read(ref _version); private set => Volatile.Write(ref _version, value); }

    /// <summary>Generation batches run and rows generated so far (the mean batch size shows how well requests are gathered).</summary>
    public (long Batches, long Rows) BatchCounts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _rows));

    /// <summary>
    /// Copies <paramref name="trained"/>'s weights (only its adapters when it has them) into the agent's copy on the
    /// generation thread, in between two generation batches, and tags later messages with <paramref name="version"/>.
    /// The caller goes on at once (a learner need not wait for a generation batch to finish) and must leave
    /// <paramref name="trained"/>'s weights unchanged until the returned task completes.
    /// </summary>
    public Task LoadWeightsAsync(CausalTransformer trained, int version)
    {
        ArgumentNullException.ThrowIfNull(trained);
        var adapters = LoraAdapters.Of(trained);
        if ((adapters is null) != (_adapters is null))
            throw new ArgumentException("the trained policy and the agent's copy differ in having LoRA adapters.", nameof(trained));
        return _worker.RunAsync(() =>
        {
            if (_adapters is not null) _adapters.CopyFrom(adapters!);
            else _model.CopyWeightsFrom(trained);
            Version = version;
            return version;
        });
    }

    /// <inheritdoc />
    public async ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var prompt = _encoder.Encode(turn.Conversation, turn.Tools, generationHeader: true).TokenIds;
        if (prompt.Length >= _model.Config.MaxSeqLen)
            throw new ContextLengthExceededException($"The conversation has {prompt.Length} tokens; the policy's context is {_model.Config.MaxSeqLen} (max_seq_len).");
        var pending = new Pending(prompt, new TaskCompletionSource<(GenerationResult, int)>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        var (result, version) = await pending.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

        var body = (result.FinishReason == FinishReason.Stop ? result.Tokens.Take(result.Tokens.Count - 1) : result.Tokens).ToList();
        // A model's embedding may be padded past its tokenizer (Qwen's 151,936 rows for 151,669 tokens): an id with no
        // token has no text, and the message that holds one is not a finished answer.
        var untokenized = body.Any(id => id >= _tokenizer.VocabSize);
        var decodable = untokenized ? body.Where(id => id < _tokenizer.VocabSize).ToList() : body;
        var text = _tokenizer.Decode(decodable);
        var message = _encoder.Format.Parse(text, turn.Tools, turn.TurnIndex);
        if ((result.FinishReason != FinishReason.Stop || untokenized) && !message.Malformed)
            message = message with { Malformed = true, Content = text, ToolCalls = [] };   // cut off mid-message, or ids without text: not a finished answer
        return message with { TokenIds = [.. result.Tokens], LogProbs = [.. result.LogProbs], PolicyVersion = version, ReasoningTokens = ReasoningSpan.Count(_tokenizer, decodable, text) };
    }

    private async Task GenerateLoop()
    {
        var batch = new List<Pending>(_batchRows);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _batchRows && _queue.Reader.TryRead(out var p)) batch.Add(p);
            if (batch.Count < _batchRows && _window > TimeSpan.Zero)
            {
                using var wait = new CancellationTokenSource(_window);
                try
                {
                    while (batch.Count < _batchRows && await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                        while (batch.Count < _batchRows && _queue.Reader.TryRead(out var p)) batch.Add(p);
                }
                catch (OperationCanceledException) { /* the window closed */ }
            }
            if (batch.Count == 0) continue;
            try
            {
                // The batch shares one cache of (longest prompt + budget) positions: keep it within the context.
                var budget = Math.Min(_sampling.MaxNewTokens, _model.Config.MaxSeqLen - batch.Max(p => p.Prompt.Length));
                var requests = batch.Select(p => new GenerationRequest(p.Prompt, _stop, budget)).ToList();
                var (results, version) = await _worker.RunAsync(() => (Generator.Generate(_model, requests, _sampling, _rng), Version)).ConfigureAwait(false);
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _rows, batch.Count);
                for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult((results[i], version));
            }
            catch (Exception e)
            {
                foreach (var p in batch) p.Result.TrySetException(e);
            }
        }
    }

    /// <summary>Stops the generation loop once queued requests are served, and frees the inference copy.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _worker.Dispose();
        _adapters?.Dispose();
        _model.Dispose();
        _rng.Dispose();
    }

    private sealed record Pending(int[] Prompt, TaskCompletionSource<(GenerationResult Result, int Version)> Result);
}
