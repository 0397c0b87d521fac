using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Forge.Cluster.Workers;

/// <summary>
/// Places a worker grain on the silo its key names (the key is the silo's address), and nowhere else: a worker grain
/// whose silo is gone can't be activated, so a call to it fails and the driver sends the episode elsewhere.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class WorkerPlacement : PlacementStrategy
{
    internal static readonly WorkerPlacement Instance = new();
}

/// <summary>Marks a grain class as placed by <see cref="WorkerPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WorkerPlacementAttribute : PlacementAttribute
{
    /// <summary>Creates the attribute.</summary>
    public WorkerPlacementAttribute() : base(WorkerPlacement.Instance) { }
}

/// <summary>Chooses the silo a worker grain's key names, when that silo is in the cluster.</summary>
internal sealed class WorkerPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silo = SiloAddress.FromParsableString(key);
        if (context.GetCompatibleSilos(target).Contains(silo)) return Task.FromResult(silo);
        throw new SiloUnavailableException($"worker {key} is not in the cluster");
    }
}
