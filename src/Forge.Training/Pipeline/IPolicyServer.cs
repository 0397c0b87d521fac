using Forge.Host;
using Forge.Training.Model;

namespace Forge.Training.Pipeline;

/// <summary>
/// A policy served outside the trainer that the rollouts' agents call (agent programs against <c>forge serve</c>): a
/// training run with one acts through no in-process <see cref="Rl.PolicyAgent"/>, runs every phase's episodes with
/// <see cref="Rollouts"/>, and pushes its weights to it before the first episode and after every update.
/// </summary>
public interface IPolicyServer
{
    /// <summary>The runner of one phase's episodes (<paramref name="runId"/>: <c>eval-v3</c>, <c>train-NAME</c>), whose agents call the served policy.</summary>
    IRolloutRunner Rollouts(string runId);

    /// <summary>
    /// Serves <paramref name="trained"/>'s weights (with LoRA adapters, the adapted model's) as <paramref name="version"/>
    /// from the next decode step on; returns when they are in. The caller leaves <paramref name="trained"/> unchanged until then.
    /// </summary>
    Task LoadWeightsAsync(CausalTransformer trained, int version);
}
