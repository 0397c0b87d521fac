using Forge.Host.Fingerprints;
using Forge.Training.Checkpoints;
using Forge.Training.Devices;
using Forge.Training.Rl;

namespace Forge.Training.Pipeline;

/// <summary>A saved policy as an agent: for forking recorded episodes from a checkpoint ("what would this checkpoint have done from here?").</summary>
public static class CheckpointAgent
{
    /// <summary>
    /// Loads the checkpoint in <paramref name="directory"/> onto <paramref name="device"/> (auto, cpu, cuda) and returns a
    /// policy agent that samples with <paramref name="options"/>' temperature and token budget (defaults when null) from
    /// <paramref name="seed"/>; its provenance carries the checkpoint's hash.
    /// </summary>
    public static PolicyAgent Load(string directory, int seed, string device = "auto", TrainerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new TrainerOptions();
        var loaded = Checkpoint.Load(directory, DeviceSelector.Resolve(device));
        var encoder = ConversationEncoder.For(loaded.Tokenizer, PolicyFactory.ChatFormat(loaded.Tokenizer, options.ToolDescriptions, directory));
        // The agent generates with its own copy of the weights (a LoRA replica shares the loaded base's tensors, so the loaded model stays alive with it).
        return new PolicyAgent(loaded.Model, loaded.Tokenizer, encoder, options, seed, (int)loaded.Info.PolicyVersion)
        {
            CheckpointHash = Fingerprint.OfPath(directory),
        };
    }
}
