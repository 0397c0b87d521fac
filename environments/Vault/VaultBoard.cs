using System.Diagnostics.CodeAnalysis;
using Forge.Core.Scripted;

namespace Forge.Environments.Vault;

/// <summary>
/// The notes in the vaults for one episode: a shuffle of <see cref="Words"/> over the keys, drawn from the episode's seed,
/// so that the code word can only be learned by looking it up. At level 2 the task's vault holds "see Kn" instead.
/// </summary>
public sealed class VaultBoard
{
    /// <summary>The vault keys, <c>K0</c> to <c>K15</c>.</summary>
    public static IReadOnlyList<string> Keys { get; } = Enumerable.Range(0, 16).Select(i => $"K{i}").ToArray();

    /// <summary>The code words, one per vault.</summary>
    public static IReadOnlyList<string> Words { get; } =
        ["red", "blue", "green", "gold", "pink", "gray", "mint", "jade", "rose", "sand", "sky", "sun", "moon", "star", "leaf", "wave"];

    /// <summary>The prefix of a note that points to another vault.</summary>
    public const string RedirectPrefix = "see ";

    private readonly Dictionary<string, string> _notes;

    private VaultBoard(Dictionary<string, string> notes, string codeWord, IReadOnlyList<string> path)
    {
        _notes = notes;
        CodeWord = codeWord;
        Path = path;
    }

    /// <summary>The word that opens the task's vault.</summary>
    public string CodeWord { get; }

    /// <summary>The keys that must be looked up, in order: the task's key, then at level 2 the key its note points to.</summary>
    public IReadOnlyList<string> Path { get; }

    /// <summary>Deals the notes for an episode of <paramref name="task"/> with <paramref name="seed"/>.</summary>
    public static VaultBoard Deal(int seed, VaultTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var key = Normalize(task.Key) ?? throw new ArgumentException($"Vault task '{task.Id}': '{task.Key}' is not a vault key (K0 to K15).", nameof(task));
        if (task.Level is not (1 or 2)) throw new ArgumentException($"Vault task '{task.Id}': level {task.Level} doesn't exist (1 or 2).", nameof(task));
        var random = StableRandom.For(seed, 0, salt: 0x7A017);
        var words = Words.ToArray();
        random.Shuffle(words);
        var notes = Keys.Select((k, i) => (k, words[i])).ToDictionary(p => p.k, p => p.Item2, StringComparer.Ordinal);
        if (task.Level == 1) return new VaultBoard(notes, notes[key], [key]);
        var target = Keys[(int.Parse(key.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) + 1 + random.Next(Keys.Count - 1)) % Keys.Count];
        var codeWord = notes[target];
        notes[key] = RedirectPrefix + target;
        return new VaultBoard(notes, codeWord, [key, target]);
    }

    /// <summary>The note in vault <paramref name="key"/>, or null when there is no such vault.</summary>
    public string? Read(string key) => Normalize(key) is { } k ? _notes[k] : null;

    /// <summary>The canonical key (<c>k3 </c> → <c>K3</c>), or null when <paramref name="key"/> names no vault.</summary>
    public static string? Normalize(string? key)
    {
        var k = key?.Trim().ToUpperInvariant();
        return k is not null && Keys.Contains(k) ? k : null;
    }

    /// <summary>True when <paramref name="note"/> points to another vault; <paramref name="key"/> is that vault.</summary>
    public static bool IsRedirect(string note, [NotNullWhen(true)] out string? key)
    {
        key = note.StartsWith(RedirectPrefix, StringComparison.Ordinal) ? Normalize(note[RedirectPrefix.Length..]) : null;
        return key is not null;
    }
}
