using System.Collections.Concurrent;
using LLama.Native;

namespace Forge.Reference.Tests.LlamaCpp;

/// <summary>
/// llama.cpp (through LLamaSharp's CPU backend) as the independent reference: loads a GGUF file and returns the
/// logits of every position for one sequence of ids. Exact settings: F32 KV cache, flash attention off, one batch.
/// llama.cpp reports why a load failed only through its log callback, so the log of each call is kept and put
/// into the exception.
/// </summary>
internal static class LlamaCppReference
{
    private static readonly object Gate = new(); // the native log callback is process-wide: one call at a time
    private static readonly ConcurrentQueue<string> Log = new();
    private static readonly NativeLogConfig.LLamaLogCallback Callback = (level, message) =>
    {
        if (level is not LLamaLogLevel.Debug)
            Log.Enqueue(message);
    };

    // LLamaSharp resolves its native library (the best CPU build: AVX-512, AVX2, AVX or none) when NativeApi first
    // runs; the parameter structs call into it directly, so load it before anything else.
    static LlamaCppReference() => NativeApi.llama_empty_call();

    /// <summary>Logits [ids.Length][vocab] of <paramref name="ids"/> run through <paramref name="gguf"/>.</summary>
    public static float[][] Logits(string gguf, IReadOnlyList<int> ids, int threads = 2)
    {
        lock (Gate)
        {
            Log.Clear();
            NativeLogConfig.llama_log_set(Callback);
            var modelParams = LLamaModelParams.Default();
            modelParams.n_gpu_layers = 0;
            using (var model = SafelyLoad(gguf, modelParams))
            {
                var contextParams = LLamaContextParams.Default();
                contextParams.n_ctx = (uint)Math.Max(32, ids.Count);
                contextParams.n_batch = contextParams.n_ubatch = (uint)Math.Max(32, ids.Count);
                contextParams.type_k = contextParams.type_v = GGMLType.GGML_TYPE_F32;
                contextParams.llama_flash_attn_type = LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED;
                contextParams.n_threads = contextParams.n_threads_batch = threads;
                using var context = model.CreateContext(contextParams);
                var batch = new LLamaBatch();
                for (var i = 0; i < ids.Count; i++)
                    batch.Add((LLamaToken)ids[i], i, LLamaSeqId.Zero, logits: true);
                var result = context.Decode(batch);
                if (result != DecodeResult.Ok)
                    throw new InvalidOperationException($"llama.cpp could not decode with {gguf}: {result}\n--- llama.cpp log ---\n{LogTail()}");
                return [.. Enumerable.Range(0, ids.Count).Select(i => context.GetLogitsIth(i).ToArray())];
            }
        }
    }

    /// <summary>
    /// What llama.cpp's tokenizer makes of <paramref name="gguf"/>: the ids of each text (special tokens parsed), the
    /// vocabulary's size, BOS and EOS, and the tokens llama.cpp turned into control tokens by their text.
    /// </summary>
    public static VocabularyReading Vocabulary(string gguf, IReadOnlyList<string> texts)
    {
        lock (Gate)
        {
            Log.Clear();
            NativeLogConfig.llama_log_set(Callback);
            var modelParams = LLamaModelParams.Default();
            modelParams.vocab_only = true;
            using var model = SafelyLoad(gguf, modelParams);
            var vocab = model.Vocab;
            var ids = texts.Select(text => model.Tokenize(text, false, true, System.Text.Encoding.UTF8).Select(t => (int)t).ToArray()).ToArray();
            // "control-looking token: 128247 '</s>' was not control-type; ... its type will be overridden"
            var overridden = Log.Select(line => ControlLooking.Match(line)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();
            return new VocabularyReading(vocab.Count, (int?)vocab.BOS, (int?)vocab.EOS, ids, ReadMetadata(model), overridden);
        }
    }

    private static readonly System.Text.RegularExpressions.Regex ControlLooking = new(@"control-looking token: +(\d+) '");

    /// <summary>The metadata llama.cpp read from <paramref name="gguf"/> (key → value as text).</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string gguf)
    {
        lock (Gate)
        {
            Log.Clear();
            NativeLogConfig.llama_log_set(Callback);
            var modelParams = LLamaModelParams.Default();
            modelParams.vocab_only = true;
            using var model = SafelyLoad(gguf, modelParams);
            return ReadMetadata(model);
        }
    }

    private static Dictionary<string, string> ReadMetadata(SafeLlamaModelHandle model)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < model.MetadataCount; i++)
            metadata[Text(model.MetadataKeyByIndex(i))] = Text(model.MetadataValueByIndex(i));
        return metadata;
    }

    private static SafeLlamaModelHandle SafelyLoad(string gguf, LLamaModelParams modelParams)
    {
        try
        {
            return SafeLlamaModelHandle.LoadFromFile(gguf, modelParams);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"llama.cpp could not load {gguf}: {e.Message}\n--- llama.cpp log ---\n{LogTail()}", e);
        }
    }

    private static string Text(Memory<byte>? bytes) => bytes is { } b ? System.Text.Encoding.UTF8.GetString(b.Span).TrimEnd('\0') : "";

    private static string LogTail() => string.Concat(Log.TakeLast(60));
}

/// <summary>llama.cpp's reading of a GGUF tokenizer (see <see cref="LlamaCppReference.Vocabulary"/>).</summary>
internal sealed record VocabularyReading(int Count, int? Bos, int? Eos, int[][] Ids, IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<int> MadeControl);
