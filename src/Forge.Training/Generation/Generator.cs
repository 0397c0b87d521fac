using Forge.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Generation;

/// <summary>
/// Batched autoregressive generation with a KV cache. Prompts of different lengths are left-padded; padding is
/// masked out of attention and positions are counted from each row's first real token, so a row's tokens and
/// log-probs do not depend on what else is in the batch (up to float rounding). The leading tokens every prompt of the
/// batch shares (an agent's system prompt and tool list) are run once, on one row, and their keys and values copied
/// into every row's cache: the padding then sits between that prefix and each row's own tokens. When any request carries its own
/// <see cref="GenerationRequest.Seed"/>, every row samples from a generator of its own (<see cref="RowSampler"/>): the
/// request's seed, or one drawn from the batch's generator for rows without one, so a seeded row draws the same tokens
/// alone or in any batch. Without row seeds the whole batch draws from the batch's generator, one stream for all rows.
/// </summary>
/// <remarks>
/// The log-probability recorded for a sampled token <c>y</c> at step t is
/// <c>log_softmax(logits_t / T)[y]</c> computed in fp32 (<see cref="Sampling.TokenLogProbs"/>), with
/// <c>T = SamplingOptions.Temperature</c> (T ≤ 0, greedy, uses the raw logits). Top-p only restricts which token is
/// drawn; it does not renormalise the recorded log-prob. The trainer must compute its log-probs the same way:
/// <see cref="LogProbs.Compute"/> with the same temperature.
/// </remarks>
public static class Generator
{
    /// <summary>
    /// Generates a continuation for every request, in eval mode and without gradients.
    /// </summary>
    /// <param name="model">The policy.</param>
    /// <param name="requests">One row per request.</param>
    /// <param name="options">Temperature, top-p, token budget, seed.</param>
    /// <param name="rng">The batch's generator (it also seeds the rows without a seed when some row has one); null = a new one seeded with <see cref="SamplingOptions.Seed"/>.</param>
    public static IReadOnlyList<GenerationResult> Generate(
        CausalTransformer model, IReadOnlyList<GenerationRequest> requests, SamplingOptions options, torch.Generator? rng = null) =>
        Generate(model, requests, options, rng, model.Device.type == DeviceType.CPU ? 1 : StopCheckInterval);

    /// <summary>
    /// On an accelerator, how many tokens are drawn between two looks at whether every row has stopped: each look
    /// waits for the device, so looking at every token stalls it. On the CPU nothing runs ahead, so it looks every token.
    /// </summary>
    internal const int StopCheckInterval = 8;

    /// <summary>As the public overload, looking at the stop condition every <paramref name="stopCheckInterval"/> tokens (tests force it on the CPU).</summary>
    internal static IReadOnlyList<GenerationResult> Generate(
        CausalTransformer model, IReadOnlyList<GenerationRequest> requests, SamplingOptions options, torch.Generator? rng, int stopCheckInterval) =>
        Generate(model, requests, options, rng, stopCheckInterval, sharePrefix: true);

    /// <summary>
    /// As the public overload; <paramref name="sharePrefix"/> false prefills every row's whole prompt (what generation did
    /// before the shared prefix was computed once; <c>forge bench prefix</c> measures the two side by side).
    /// </summary>
    internal static IReadOnlyList<GenerationResult> Generate(
        CausalTransformer model, IReadOnlyList<GenerationRequest> requests, SamplingOptions options, torch.Generator? rng, int stopCheckInterval, bool sharePrefix)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stopCheckInterval, 1);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(requests);
        options.Validate();
        if (requests.Count == 0)
            return [];
        var device = model.Device;
        var budgets = Budgets(model.Config, requests, options);
        var ownRng = rng is null ? new torch.Generator((ulong)options.Seed, device) : null;
        var wasTraining = model.training;
        model.eval();
        try
        {
            return Run(model, requests, budgets, options, rng ?? ownRng!, device, stopCheckInterval, sharePrefix);
        }
        finally
        {
            if (wasTraining)
                model.train();
            ownRng?.Dispose();
        }
    }

    private static int[] Budgets(TransformerConfig config, IReadOnlyList<GenerationRequest> requests, SamplingOptions options)
    {
        var budgets = new int[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var r = requests[i];
            if (r.Prompt is null || r.Prompt.Count == 0)
                throw new ArgumentException($"generation request {i}: the prompt is empty; give at least one token (e.g. BOS).");
            if (r.Prompt.Count >= config.MaxSeqLen)
                throw new ArgumentException($"generation request {i}: the prompt has {r.Prompt.Count} tokens; the model's max_seq_len is {config.MaxSeqLen}, leaving no room to generate.");
            foreach (var id in r.Prompt.Concat(r.StopTokens ?? []))
                if (id < 0 || id >= config.VocabSize)
                    throw new ArgumentException($"generation request {i}: token id {id} is outside the vocabulary (size {config.VocabSize}).");
            if (r.MaxNewTokens is < 1)
                throw new ArgumentException($"generation request {i}: max_new_tokens must be ≥ 1 (got {r.MaxNewTokens}).");
            budgets[i] = Math.Min(r.MaxNewTokens ?? options.MaxNewTokens, config.MaxSeqLen - r.Prompt.Count);
        }
        return budgets;
    }

    /// <summary>How many leading prompt tokens every request has in common and runs once (<see cref="PromptPrefill.SharedLength"/>).</summary>
    internal static int SharedPrefixLength(IReadOnlyList<GenerationRequest> requests) => PromptPrefill.SharedLength([.. requests.Select(r => r.Prompt)]);

    // One generator per row: the request's seed, or a seed drawn from the batch's generator.
    private static List<RowSampling> RowGenerators(IReadOnlyList<GenerationRequest> requests, SamplingOptions options, torch.Generator rng)
    {
        var drawn = randint(long.MaxValue, [requests.Count], ScalarType.Int64, generator: rng).data<long>().ToArray();
        return [.. requests.Select((r, i) => new RowSampling(options.Temperature, options.TopP, RowSampler.Seeded(r.Seed ?? drawn[i])))];
    }

    private static IReadOnlyList<GenerationResult> Run(
        CausalTransformer model, IReadOnlyList<GenerationRequest> requests, int[] budgets, SamplingOptions options, torch.Generator rng, Device device, int checkEvery, bool sharePrefix)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var b = requests.Count;
        var prompts = new PromptPrefill([.. requests.Select(r => r.Prompt)], sharePrefix);
        var promptLen = prompts.Width;
        var steps = budgets.Max();

        // ── row layout: [shared prefix | left padding | the row's own prompt tokens | generated tokens] ──────────
        // Positions are counted over real tokens only, so the padding between the prefix and a row's own tokens changes
        // nothing a row computes; the prefix's keys and values are the same in every row and are computed once.
        var keyMask = tensor(prompts.KeyMask(promptLen + steps), [b, promptLen + steps], device: device);   // [B, P+N]
        var stopWidth = Math.Max(1, requests.Max(r => r.StopTokens?.Count ?? 0));
        var stopHost = Enumerable.Repeat(-1L, b * stopWidth).ToArray();
        for (var i = 0; i < b; i++)
            foreach (var (id, j) in (requests[i].StopTokens ?? []).Select((id, j) => (id, j)))
                stopHost[i * stopWidth + j] = id;
        var stopIds = tensor(stopHost, [b, stopWidth], device: device);                          // [B, S]
        var budget = tensor(budgets.Select(x => (long)x).ToArray(), device: device);            // [B]

        var tokens = zeros([b, steps], ScalarType.Int64, device);                                // [B, N]
        var logProbs = zeros([b, steps], ScalarType.Float32, device);                            // [B, N]
        var generated = zeros([b], ScalarType.Int64, device);                                    // [B] tokens produced so far
        var stopped = zeros([b], ScalarType.Bool, device);                                       // [B] ended on a stop token
        var active = ones([b], ScalarType.Bool, device);                                         // [B]

        // ── prefill, then one token per step ───────────────────────────────────────────────────
        // Whether any row is still going is looked at every checkEvery steps (one wait for the device per look). Steps
        // drawn after every row stopped change nothing kept (tokens past a row's count are dropped), but they used the
        // generator: it is put back as it was after the last step that counted, so later draws are those of a look
        // every step.
        var rows = requests.Any(r => r.Seed is not null) ? RowGenerators(requests, options, rng) : null;   // per-row generators, or one stream
        var anyActive = zeros([steps], ScalarType.Bool, device);                                // [N] any row still going after step t
        var statesSinceLook = new List<Tensor>();                                                     // generator states at the start of the steps since the last look
        var since = 0;                                                                           // the first step not looked at yet
        using var cache = new KvCache(model.Config, b, promptLen + steps, device, model.DType);
        var last = prompts.Run(model, cache, keyMask);                                          // [B, V]
        try
        {
            for (var step = 0; step < steps; step++)
            {
                using var stepScope = NewDisposeScope();
                Tensor next, nextLogProb;                                                                 // [B] each
                if (rows is not null)
                    (next, nextLogProb, _) = RowSampler.Sample(last, rows);
                else
                {
                    if (checkEvery > 1) statesSinceLook.Add(rng.get_state().DetachFromDisposeScope());
                    next = Sampling.Sample(last, options.Temperature, options.TopP, rng);
                    nextLogProb = Sampling.TokenLogProbs(last, next, options.Temperature);
                }
                tokens.select(1, step).copy_(next);
                logProbs.select(1, step).copy_(nextLogProb);
                generated.add_(active.to_type(ScalarType.Int64));
                var isStop = next.unsqueeze(1).eq(stopIds).any(1);                                  // [B]
                stopped.logical_or_(active.logical_and(isStop));
                active.logical_and_(isStop.logical_not()).logical_and_(generated.lt(budget));
                anyActive[step] = active.any();
                if ((step + 1) % checkEvery == 0 || step == steps - 1)
                {
                    var going = anyActive.narrow(0, since, step + 1 - since).cpu().data<bool>().ToArray();
                    var doneAt = Array.IndexOf(going, false);
                    if (doneAt >= 0)
                    {
                        if (doneAt + 1 < statesSinceLook.Count) rng.set_state(statesSinceLook[doneAt + 1]);   // as it was after step since + doneAt
                        break;
                    }
                    since = step + 1;
                    foreach (var state in statesSinceLook) state.Dispose();
                    statesSinceLook.Clear();
                }
                if (step == steps - 1)
                    break;
                keyMask.select(1, promptLen + step).fill_(true);
                var logits = model.Forward(next.unsqueeze(1), cache, keyMask.narrow(1, 0, promptLen + step + 1)); // [B, 1, V]
                last.Dispose();
                last = logits.select(1, -1).MoveToOuterDisposeScope();
            }
        }
        finally
        {
            foreach (var state in statesSinceLook) state.Dispose();
            foreach (var row in rows ?? []) row.Rng.Dispose();
        }

        // ── back to the host ───────────────────────────────────────────────────────────────────
        var tokensHost = tokens.cpu().data<long>().ToArray();
        var logProbsHost = logProbs.cpu().data<float>().ToArray();
        var generatedHost = generated.cpu().data<long>().ToArray();
        var stoppedHost = stopped.cpu().data<bool>().ToArray();
        var results = new GenerationResult[b];
        for (var i = 0; i < b; i++)
        {
            var n = (int)generatedHost[i];
            results[i] = new GenerationResult(
                [.. tokensHost.Skip(i * steps).Take(n).Select(x => (int)x)],
                [.. logProbsHost.Skip(i * steps).Take(n)],
                stoppedHost[i] ? FinishReason.Stop : FinishReason.Length);
        }
        return results;
    }
}
