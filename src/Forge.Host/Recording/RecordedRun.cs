using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>
/// What a run's trajectory log already holds, so that the run can resume where it stopped: the episodes that finished
/// (by episode id, with their seeds) and a torn tail left by a crash while a record was being written.
/// A cancelled episode is not finished: a resumed run runs it again.
/// </summary>
public sealed class RecordedRun
{
    private readonly Dictionary<string, int> _finished;
    private readonly Dictionary<string, int> _all;

    private RecordedRun(string path, Dictionary<string, int> finished, Dictionary<string, int> all, CorruptRecord? tornTail)
    {
        Path = path;
        _finished = finished;
        _all = all;
        TornTail = tornTail;
    }

    /// <summary>The log.</summary>
    public string Path { get; }

    /// <summary>Episodes the log holds a finished record of.</summary>
    public int FinishedCount => _finished.Count;

    /// <summary>The torn record at the end of the log, if the last writer died while writing it.</summary>
    public CorruptRecord? TornTail { get; private set; }

    /// <summary>Reads <paramref name="path"/>; a log that doesn't exist yet holds nothing.</summary>
    public static RecordedRun Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var finished = new Dictionary<string, int>(StringComparer.Ordinal);
        var all = new Dictionary<string, int>(StringComparer.Ordinal);
        CorruptRecord? tornTail = null;
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return new RecordedRun(path, finished, all, null);
        using var reader = TrajectoryReader.Open(path);
        foreach (var entry in reader.ReadEntries())
        {
            if (entry.Trajectory is { } t)
            {
                all[t.EpisodeId] = t.Seed;
                if (t.Termination != Termination.Cancelled) finished[t.EpisodeId] = t.Seed;
            }
            else if (entry.Corrupt is { AtEndOfFile: true } torn) tornTail = torn;
        }
        return new RecordedRun(path, finished, all, tornTail);
    }

    /// <summary>True when the log holds a finished record of <paramref name="episodeId"/>.</summary>
    public bool IsFinished(string episodeId) => _finished.ContainsKey(episodeId);

    /// <summary>
    /// The requests whose episodes the log doesn't hold yet, in their order. Throws <see cref="InvalidDataException"/> when
    /// the log holds an episode this run doesn't have, or has with another seed: it was written by another scenario or
    /// seed, and mixing the two would make a log no rerun can explain.
    /// </summary>
    public IReadOnlyList<EpisodeRequest> Remaining(IReadOnlyList<EpisodeRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var seeds = new Dictionary<string, int>(requests.Count, StringComparer.Ordinal);
        foreach (var request in requests) seeds[request.EpisodeId] = request.Seed;
        foreach (var (id, seed) in _all)
        {
            if (!seeds.TryGetValue(id, out var now))
                throw new InvalidDataException($"{Path} holds episode {id}, which this run doesn't have: the log was written by another scenario or seed; write this run to another output folder.");
            if (now != seed)
                throw new InvalidDataException($"{Path} holds episode {id} with seed {seed}, but this run gives it seed {now}: the log was written by another scenario or seed; write this run to another output folder.");
        }
        return [.. requests.Where(r => !_finished.ContainsKey(r.EpisodeId))];
    }

    /// <summary>Cuts the torn tail off the log, so that the next record follows the last complete one. Returns the bytes removed.</summary>
    public long CutTornTail()
    {
        if (TornTail is not { } torn) return 0;
        using (var file = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.Read))
        {
            if (file.Length != torn.Offset + torn.Length)
                throw new IOException($"{Path} changed since it was read (another writer?); not cutting its torn tail.");
            file.SetLength(torn.Offset);
            file.Flush(flushToDisk: true);
        }
        TornTail = null;
        return torn.Length;
    }
}
