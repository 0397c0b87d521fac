using Forge.Host;
using Forge.Serving.Hosting;
using Forge.Training.Lora;
using Forge.Training.Model;
using Forge.Training.Pipeline;

namespace Forge.Serving.AgentPrograms;

/// <summary>
/// The policy a training run's agent programs call: one <see cref="ServeHost"/> for the whole run, a runner of agent-program
/// episodes per phase (evaluation, rollouts), and the trainer's weights pushed into the server after every update. A policy
/// with LoRA adapters is served merged (<c>W + B·A·α/r</c>, in a plain copy kept here), since the server runs no adapters.
/// </summary>
/// <param name="host">The server the programs call.</param>
/// <param name="runner">Makes the runner of one phase's episodes, given its run id.</param>
public sealed class AgentProgramServer(ServeHost host, Func<string, AgentProgramRunner> runner) : IPolicyServer, IDisposable
{
    private CausalTransformer? _merged;

    /// <inheritdoc />
    public IRolloutRunner Rollouts(string runId) => runner(runId);

    /// <inheritdoc />
    public async Task LoadWeightsAsync(CausalTransformer trained, int version)
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (LoraAdapters.Of(trained) is not { } adapters)
        {
            await host.LoadWeightsAsync(trained, version);
            return;
        }
        _merged ??= trained.Clone();   // the base weights only: a clone has no adapters
        adapters.MergeInto(_merged);
        await host.LoadWeightsAsync(_merged, version);
    }

    /// <summary>Frees the merged copy.</summary>
    public void Dispose() => _merged?.Dispose();
}
