using Forge.Core.Scripted;

namespace Forge.Environments.Vault;

/// <summary>Generates vault tasks: a random key and a level from 1 to <see cref="MaxLevel"/> (both levels by default).</summary>
public sealed class VaultTasks(int maxLevel) : ITaskGenerator<VaultTask>
{
    /// <summary>Tasks of both levels.</summary>
    public VaultTasks() : this(2) { }

    /// <summary>The highest level generated (1 for a first curriculum stage, 2 for all tasks).</summary>
    public int MaxLevel { get; } = maxLevel is 1 or 2 ? maxLevel : throw new ArgumentOutOfRangeException(nameof(maxLevel), maxLevel, "Vault levels are 1 and 2.");

    /// <inheritdoc />
    public VaultTask Generate(int seed, int index)
    {
        var random = StableRandom.For(seed, index, salt: 0x7A5C);
        var key = VaultBoard.Keys[random.Next(VaultBoard.Keys.Count)];
        var level = 1 + random.Next(MaxLevel);
        return new VaultTask($"vault-{seed}-{index}-L{level}", key, level);
    }
}
