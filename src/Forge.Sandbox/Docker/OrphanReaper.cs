using Docker.DotNet.Models;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>Finds and removes containers of ours: those whose owner process is gone, or all of one run.</summary>
internal static class OrphanReaper
{
    /// <summary>Removes every sandbox container on this host whose owner process no longer runs; returns how many.</summary>
    public static async Task<int> ReapOrphansAsync(DockerEngine engine, CancellationToken cancellationToken)
    {
        var ours = await ListAsync(engine, $"{ContainerLabels.Marker}=1", cancellationToken).ConfigureAwait(false);
        var orphans = ours.Where(c => ContainerLabels.OwnerIsGone(c.Labels)).ToList();
        await Task.WhenAll(orphans.Select(c => RemoveAsync(engine, c.ID, cancellationToken))).ConfigureAwait(false);
        return orphans.Count;
    }

    /// <summary>Removes every container of one run (whatever state it is in); returns how many.</summary>
    public static async Task<int> RemoveRunAsync(DockerEngine engine, string runId, CancellationToken cancellationToken)
    {
        var run = await ListAsync(engine, $"{ContainerLabels.RunId}={runId}", cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(run.Select(c => RemoveAsync(engine, c.ID, cancellationToken))).ConfigureAwait(false);
        return run.Count;
    }

    /// <summary>Containers (running or not) carrying a label.</summary>
    public static async Task<IList<ContainerListResponse>> ListAsync(DockerEngine engine, string label, CancellationToken cancellationToken) =>
        await engine.CallAsync("list containers", (c, ct) => c.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [label] = true } },
        }, ct), cancellationToken).ConfigureAwait(false);

    /// <summary>Kills and removes a container; one that is already gone is fine.</summary>
    public static async Task RemoveAsync(DockerEngine engine, string id, CancellationToken cancellationToken)
    {
        try
        {
            await engine.CallAsync("remove container", (c, ct) => c.Containers.RemoveContainerAsync(id,
                new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxException e) when (DockerEngine.IsNotFound(e))
        {
        }
        catch (SandboxException e) when (e.Message.Contains("is already in progress", StringComparison.Ordinal))
        {
            // Another process (or provider) is removing it: wait until it is gone, so that "removed" means removed.
            await WaitUntilGoneAsync(engine, id, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WaitUntilGoneAsync(DockerEngine engine, string id, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            try
            {
                await engine.CallAsync("inspect container", (c, ct) => c.Containers.InspectContainerAsync(id, ct), cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxException e) when (DockerEngine.IsNotFound(e))
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }
}
