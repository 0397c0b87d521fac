namespace Forge.Core.Scripted;

/// <summary>
/// Random generators derived from an episode's seed and a turn index, identical on every machine and process
/// (unlike <see cref="HashCode"/>, which is randomized per process). Scripted agents use it to make seeded choices.
/// </summary>
public static class StableRandom
{
    /// <summary>A generator determined by <paramref name="seed"/>, <paramref name="turn"/> and a <paramref name="salt"/> naming the purpose.</summary>
    public static Random For(int seed, int turn, int salt = 0) => new(Mix(seed, turn, salt));

    /// <summary>Mixes the numbers into one well-spread 31-bit seed (SplitMix64 finalizer).</summary>
    public static int Mix(int seed, int turn, int salt = 0)
    {
        var z = unchecked(((ulong)(uint)seed << 32 | (uint)turn) + 0x9E3779B97F4A7C15UL * (ulong)(uint)(salt + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & int.MaxValue);
    }
}
