using Forge.Agents.ChatFormat;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Models;
using Forge.Training.Pipeline;
using Forge.Training.Precision;
using Forge.Training.Rl;
using Forge.Training.Tokenization;
using static TorchSharp.torch;

namespace Forge.Serving.Policy;

/// <summary>
/// The policy a server answers with: the model, its tokenizer, its chat format (the folder's chat template and tool-call
/// parser, or Forge's own format), the encoder that turns conversations into prompt ids, and the policy version.
/// </summary>
public sealed class ServedPolicy : IDisposable
{
    private ServedPolicy(CausalTransformer model, ITokenizer tokenizer, IChatFormat format, long version, string source)
    {
        Model = model;
        Tokenizer = tokenizer;
        Encoder = ConversationEncoder.For(tokenizer, format);
        Version = version;
        Source = source;
        StopTokens = [.. Encoder.EndOfTurnIds.Append(tokenizer.EosId).Where(id => id >= 0 && id < model.Config.VocabSize).Distinct()];
    }

    /// <summary>The model (in eval mode while served).</summary>
    public CausalTransformer Model { get; }

    /// <summary>Its tokenizer.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Conversations to ids with the policy's chat format.</summary>
    public ConversationEncoder Encoder { get; }

    /// <summary>The chat format.</summary>
    public IChatFormat Format => Encoder.Format;

    /// <summary>The ids that end a reply: the format's end-of-turn ids and the tokenizer's end of sequence.</summary>
    public IReadOnlyCollection<int> StopTokens { get; }

    /// <summary>The policy version: a checkpoint's <c>policy_version</c>, 0 for a Hugging Face folder.</summary>
    public long Version { get; }

    /// <summary>The folder it came from.</summary>
    public string Source { get; }

    /// <summary>
    /// Loads a Forge checkpoint (<c>checkpoint.json</c>, LoRA adapters merged) or a Hugging Face model folder
    /// (<c>config.json</c>, with its tokenizer and chat template; bf16 on a GPU, fp32 on the CPU) on <paramref name="device"/>.
    /// </summary>
    public static ServedPolicy Load(string directory, Device device)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{directory}: model folder not found (--checkpoint or --model).");
        if (ModelFolder.IsCheckpoint(directory))
        {
            var loaded = Checkpoint.Load(directory, device, mergeAdapters: true);
            var format = PolicyFactory.ChatFormat(loaded.Tokenizer, toolDescriptions: true, directory);
            return new ServedPolicy(loaded.Model, loaded.Tokenizer, format, loaded.Info.PolicyVersion, directory);
        }
        var precision = device.type == TorchSharp.DeviceType.CUDA ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32;
        var (model, tokenizer) = PolicyFactory.FromHuggingFace(directory, precision, device);
        return new ServedPolicy(model, tokenizer, PolicyFactory.ChatFormat(tokenizer, toolDescriptions: true, directory), 0, directory);
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
