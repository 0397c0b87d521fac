using System.Collections.Concurrent;
using Forge.Core;
using Forge.Host.Registry;

namespace Forge.Cluster.Workers;

/// <summary>
/// The tasks a worker can run, by environment, task seed and id, each with its provenance (content hash included). Built
/// once per environment and seed and kept for the worker's life, so a run's first episode doesn't wait for every task to
/// be generated again and no episode hashes its task again: the registry doesn't change while the worker runs.
/// </summary>
internal sealed class TaskCatalog(EnvironmentRegistry registry)
{
    private readonly ConcurrentDictionary<(string Environment, int Seed), Lazy<IReadOnlyDictionary<string, IEnvironmentTask>>> _tasks = new();
    private readonly ConcurrentDictionary<(string Environment, int Seed, string Task), TaskProvenance> _provenance = new();

    public EnvironmentRegistry Registry => registry;

    /// <summary>The task <paramref name="taskId"/> of <paramref name="environment"/> under <paramref name="seed"/> and where it came from; null when there is none.</summary>
    public (IEnvironmentTask Task, TaskProvenance Provenance)? Find(RegisteredEnvironment environment, int seed, string taskId)
    {
        var tasks = _tasks.GetOrAdd((environment.Id, seed), key => new(() =>
            environment.Tasks(key.Seed).ToDictionary(t => t.Id, StringComparer.Ordinal))).Value;
        if (!tasks.TryGetValue(taskId, out var task)) return null;
        var provenance = _provenance.GetOrAdd((environment.Id, seed, taskId), _ => environment.TaskProvenance(task, seed));
        return (task, provenance);
    }
}
