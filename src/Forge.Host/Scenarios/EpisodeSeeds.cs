using System.Text;

namespace Forge.Host.Scenarios;

/// <summary>
/// Derives each episode's seed from the scenario's seed and the episode's place (environment, task, group, member),
/// with a stable hash (FNV-1a, 64-bit), so a scenario expands to the same seeds on every machine and run,
/// and adding a task doesn't change the seeds of the others.
/// </summary>
public static class EpisodeSeeds
{
    /// <summary>The seed of member <paramref name="member"/> of group <paramref name="group"/> of task <paramref name="taskId"/> of <paramref name="environmentId"/>; never negative.</summary>
    public static int Derive(int scenarioSeed, string environmentId, string taskId, int group, int member)
    {
        var hash = 14695981039346656037UL;
        Mix(ref hash, BitConverter.GetBytes(scenarioSeed));
        Mix(ref hash, Encoding.UTF8.GetBytes(environmentId));
        Mix(ref hash, [0]);
        Mix(ref hash, Encoding.UTF8.GetBytes(taskId));
        Mix(ref hash, [0]);
        Mix(ref hash, BitConverter.GetBytes(group));
        Mix(ref hash, BitConverter.GetBytes(member));
        return (int)((hash ^ (hash >> 32)) & int.MaxValue);
    }

    private static void Mix(ref ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
    }
}
