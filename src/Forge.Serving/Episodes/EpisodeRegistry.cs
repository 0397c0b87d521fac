using System.Collections.Concurrent;

namespace Forge.Serving.Episodes;

/// <summary>The episodes open on a server: a completion at <c>/episodes/ID/v1</c> is recorded in episode ID's log; unknown ids are refused.</summary>
public sealed class EpisodeRegistry
{
    private readonly ConcurrentDictionary<string, EpisodeLog> _open = new(StringComparer.Ordinal);

    /// <summary>Opens episode <paramref name="id"/> (letters, digits, '-', '_', '.'); throws when it is already open.</summary>
    public EpisodeLog Open(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (!id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"episode id '{id}': use letters, digits, '-', '_' and '.' only.");
        var log = new EpisodeLog(id);
        return _open.TryAdd(id, log) ? log : throw new InvalidOperationException($"episode {id} is already open.");
    }

    /// <summary>The open episode <paramref name="id"/>, or null.</summary>
    public EpisodeLog? Find(string id) => _open.TryGetValue(id, out var log) ? log : null;

    /// <summary>Closes episode <paramref name="id"/>; its later calls are refused. Returns its log.</summary>
    public EpisodeLog? Close(string id) => _open.TryRemove(id, out var log) ? log : null;
}
