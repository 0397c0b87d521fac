using Forge.Agents.ChatFormat;
using Forge.Agents.ChatTemplates;
using Forge.Training.Model;
using Forge.Training.Models.HuggingFace;
using Forge.Training.Precision;
using Forge.Training.Rl;
using Forge.Training.Tokenization;
using Forge.Training.Tokenization.HuggingFace;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Pipeline;

/// <summary>
/// Where a run's policy comes from besides a checkpoint: a Hugging Face model folder (<c>trainer.model.from</c>,
/// <c>--model</c>) gives the weights (<see cref="HfModelLoader"/>), the tokenizer (<see cref="HfTokenizer"/>) and the chat
/// format (the folder's template, <see cref="HfChatFormat"/>, with its tool-call parser); otherwise a new Forge model
/// with the byte or GPT-2 tokenizer speaks Forge's own format (<see cref="ChatTemplate"/>).
/// </summary>
public static class PolicyFactory
{
    /// <summary>Loads a Hugging Face model folder as a policy, its weights in the dtype <paramref name="precision"/> trains in.</summary>
    public static (CausalTransformer Model, HfTokenizer Tokenizer) FromHuggingFace(string folder, TrainingPrecision precision, Device device)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: model folder not found (trainer.model.from or --model).");
        if (!HfModelLoader.IsModelFolder(folder))
            throw new FileNotFoundException($"{Path.Combine(folder, HfModelLoader.ConfigFile)}: not found; trainer.model.from and --model take a Hugging Face model folder.");
        var tokenizer = HfTokenizer.Load(folder);
        var dtype = precision == TrainingPrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var model = HfModelLoader.Load(folder, dtype, device).Model;
        if (tokenizer.VocabSize > model.Config.VocabSize)
        {
            model.Dispose();
            throw new InvalidDataException($"{Path.Combine(folder, HfTokenizer.TokenizerFileName)}: the tokenizer has {tokenizer.VocabSize} tokens, more than config.json's vocab_size {model.Config.VocabSize}.");
        }
        return (model, tokenizer);
    }

    /// <summary>A new Forge model of the options' shape, with the byte or GPT-2 tokenizer and Forge's chat markers.</summary>
    public static (CausalTransformer Model, ITokenizer Tokenizer) New(TrainerOptions options, int seed, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        ITokenizer tokenizer = options.Tokenizer == "gpt2" ? new Gpt2Tokenizer(ChatMarkers.All) : new ByteTokenizer(ChatMarkers.All);
        var model = new CausalTransformer(options.Model with { VocabSize = tokenizer.VocabSize }, seed: seed);
        model.to(device);
        return (model, tokenizer);
    }

    /// <summary>
    /// The chat format for <paramref name="tokenizer"/>: the chat template of a Hugging Face tokenizer's folder when it has
    /// one, else Forge's format, whose markers the tokenizer must know. <paramref name="source"/> names the folder or
    /// checkpoint in errors.
    /// </summary>
    public static IChatFormat ChatFormat(ITokenizer tokenizer, bool toolDescriptions, string source)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer is HfTokenizer hf && HfTokenizerFiles.HasChatTemplate(hf.Folder))
        {
            try
            {
                return HfChatFormat.For(HfChatTemplate.Load(hf.Folder));
            }
            catch (Exception e) when (e is NotSupportedException or Forge.Agents.ChatTemplates.Jinja.JinjaSyntaxException)
            {
                throw new InvalidDataException($"{hf.Folder}: {e.Message}", e);
            }
        }
        foreach (var marker in ChatMarkers.All)
            if (!tokenizer.SpecialTokens.ContainsKey(marker))
                throw new InvalidDataException($"{source}: no chat template, and the tokenizer lacks Forge's chat marker {marker}; add a chat template to the folder.");
        return new ChatTemplate { ToolDescriptions = toolDescriptions };
    }
}
