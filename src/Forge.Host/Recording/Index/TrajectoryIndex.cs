using System.Buffers;
using System.Buffers.Binary;
using Forge.Core;
using Microsoft.Win32.SafeHandles;

namespace Forge.Host.Recording.Index;

/// <summary>How <see cref="TrajectoryIndex.Open"/> came by its index.</summary>
public enum IndexSource
{
    /// <summary>The index file matched the log as it is.</summary>
    Loaded,
    /// <summary>The index file matched the start of the log; the records appended since were indexed and added.</summary>
    Extended,
    /// <summary>The index was built from the whole log: the file was missing, damaged, from another version, or no longer matched the log.</summary>
    Built,
}

/// <summary>
/// A trajectory log with its index: the summary of every episode (<see cref="Episodes"/>) and every damaged stretch
/// (<see cref="Corrupt"/>) without a pass over the log, and any episode read straight from its offset (<see cref="Read(int)"/>).
/// The index lives next to the log (<c>trajectories.forge.idx</c>) and is only a cache: it is rebuilt from the log when it is
/// missing, damaged or stale, extended when the log has grown, and the log stays the one source of truth.
/// </summary>
public sealed class TrajectoryIndex : IDisposable
{
    private const int FingerprintBytes = 4096;
    private readonly SafeFileHandle _handle;
    private readonly List<EpisodeSummary> _episodes;
    private readonly List<CorruptRecord> _corrupt;
    private Dictionary<string, int>? _byId;

    /// <summary>The log.</summary>
    public string LogPath { get; }

    /// <summary>The index file next to it.</summary>
    public string IndexPath { get; }

    /// <summary>The log's format version.</summary>
    public int FormatVersion { get; }

    /// <summary>The log's length when it was opened; <see cref="IsStale"/> compares the file with it.</summary>
    public long LogLength { get; }

    /// <summary>Where the index came from.</summary>
    public IndexSource Source { get; }

    /// <summary>Why the index file could not be written (a read-only folder), or null; the index then lives only in memory.</summary>
    public string? SaveError { get; }

    /// <summary>Every readable episode, in log order (<see cref="EpisodeSummary.Ordinal"/> is the position here).</summary>
    public IReadOnlyList<EpisodeSummary> Episodes => _episodes;

    /// <summary>Every damaged stretch of the log, in order, a torn tail included.</summary>
    public IReadOnlyList<CorruptRecord> Corrupt => _corrupt;

    private TrajectoryIndex(string logPath, SafeFileHandle handle, int formatVersion, long length, IndexSource source, string? saveError,
        List<EpisodeSummary> episodes, List<CorruptRecord> corrupt)
    {
        LogPath = logPath;
        IndexPath = IndexFile.PathFor(logPath);
        _handle = handle;
        FormatVersion = formatVersion;
        LogLength = length;
        Source = source;
        SaveError = saveError;
        _episodes = episodes;
        _corrupt = corrupt;
    }

    /// <summary>
    /// Opens <paramref name="logPath"/> with its index, building or extending the index as needed and saving it next to the log
    /// when <paramref name="save"/> is true. A file that is not a trajectory log, or is from a newer format, is an
    /// <see cref="InvalidDataException"/> saying so.
    /// </summary>
    public static TrajectoryIndex Open(string logPath, bool save = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logPath);
        using var reader = TrajectoryReader.Open(logPath);
        var handle = File.OpenHandle(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var length = RandomAccess.GetLength(handle);
            var indexPath = IndexFile.PathFor(logPath);
            var cached = IndexFile.TryRead(indexPath);
            var usable = cached is not null && cached.LogFormatVersion == reader.FormatVersion && cached.CoveredLength <= length
                && cached.CoveredLength >= TrajectoryFormat.HeaderBytes && Fingerprint(handle, cached.CoveredLength) == cached.Fingerprint;

            var episodes = usable ? new List<EpisodeSummary>(cached!.Episodes) : [];
            var inner = usable ? new List<CorruptRecord>(cached!.Corrupt) : [];
            var covered = usable ? cached!.CoveredLength : TrajectoryFormat.HeaderBytes;
            var added = false;
            CorruptRecord? tail = null;
            foreach (var frame in reader.ReadFrames(covered))
            {
                if (frame.Corrupt is { AtEndOfFile: true } torn) { tail = torn; break; }   // may still be being written: not indexed
                if (frame.Corrupt is { } corrupt)
                {
                    inner.Add(corrupt);
                    covered = corrupt.Offset + corrupt.Length;
                }
                else
                {
                    try { episodes.Add(SummaryDecoder.Decode(frame, episodes.Count)); }
                    catch (Exception e) when (TrajectoryCodec.IsDecodeFailure(e)) { inner.Add(TrajectoryCodec.Undecodable(frame, e)); }
                    covered = frame.Offset + frame.Length;
                }
                added = true;
            }

            var source = !usable ? IndexSource.Built : added ? IndexSource.Extended : IndexSource.Loaded;
            string? saveError = null;
            if (save && source != IndexSource.Loaded)
            {
                try { IndexFile.Write(indexPath, new IndexContent(reader.FormatVersion, covered, Fingerprint(handle, covered), episodes, inner)); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { saveError = $"{indexPath} could not be written: {e.Message}"; }
            }
            var corruptAll = tail is null ? inner : [.. inner, tail];
            return new TrajectoryIndex(logPath, handle, reader.FormatVersion, length, source, saveError, episodes, corruptAll);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>True when the log's length is no longer what it was when this index was opened (a run appended to it).</summary>
    public bool IsStale => new FileInfo(LogPath) is { Exists: true } file ? file.Length != LogLength : true;

    /// <summary>The summary of the episode with id <paramref name="episodeId"/> (the first, if several share it), or null.</summary>
    public EpisodeSummary? Find(string episodeId)
    {
        ArgumentNullException.ThrowIfNull(episodeId);
        var byId = _byId;
        if (byId is null)
        {
            byId = new Dictionary<string, int>(_episodes.Count, StringComparer.Ordinal);
            foreach (var e in _episodes) byId.TryAdd(e.EpisodeId, e.Ordinal);
            _byId = byId;
        }
        return byId.TryGetValue(episodeId, out var ordinal) ? _episodes[ordinal] : null;
    }

    /// <summary>Reads the episode at <paramref name="ordinal"/> from the log, straight from its offset.</summary>
    public Trajectory Read(int ordinal)
    {
        if (ordinal < 0 || ordinal >= _episodes.Count)
            throw new ArgumentOutOfRangeException(nameof(ordinal), $"{LogPath} has {_episodes.Count} readable episodes; {ordinal} is not between 0 and {_episodes.Count - 1}.");
        return Read(_episodes[ordinal]);
    }

    /// <summary>Reads the episode <paramref name="summary"/> describes from the log; an <see cref="InvalidDataException"/> when its record no longer checks out.</summary>
    public Trajectory Read(EpisodeSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var buffer = ArrayPool<byte>.Shared.Rent(summary.Length);
        try
        {
            var record = buffer.AsMemory(0, summary.Length);
            var read = 0;
            while (read < record.Length)
            {
                var n = RandomAccess.Read(_handle, record.Span[read..], summary.Offset + read);
                if (n == 0) break;
                read += n;
            }
            var problem = read < record.Length ? "the log is shorter than the index says"
                : BinaryPrimitives.ReadUInt32LittleEndian(record.Span) != summary.Length - TrajectoryFormat.FrameHeaderBytes ? "its length field differs"
                : Crc32C.Compute(record.Span[TrajectoryFormat.FrameHeaderBytes..]) != BinaryPrimitives.ReadUInt32LittleEndian(record.Span[4..]) ? "its CRC no longer matches"
                : null;
            if (problem is null)
            {
                var entry = TrajectoryCodec.Decode(new Frame(summary.Offset, summary.Length, record[TrajectoryFormat.FrameHeaderBytes..], null));
                if (entry.Trajectory is { } trajectory) return trajectory;
                problem = entry.Corrupt!.Reason;
            }
            throw new InvalidDataException($"{LogPath}: the record of episode {summary.EpisodeId} at offset {summary.Offset} cannot be read ({problem}); the log changed since it was indexed — open it again.");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes the log.</summary>
    public void Dispose() => _handle.Dispose();

    // CRC-32C of the header and of the last bytes before `length`: cheap, and changes when the log was replaced or rewritten.
    private static uint Fingerprint(SafeFileHandle handle, long length)
    {
        var from = Math.Max(TrajectoryFormat.HeaderBytes, length - FingerprintBytes);
        var bytes = new byte[TrajectoryFormat.HeaderBytes + (int)(length - from)];
        var read = RandomAccess.Read(handle, bytes.AsSpan(0, TrajectoryFormat.HeaderBytes), 0);
        var tail = 0;
        while (tail < bytes.Length - TrajectoryFormat.HeaderBytes)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(TrajectoryFormat.HeaderBytes + tail), from + tail);
            if (n == 0) break;
            tail += n;
        }
        return Crc32C.Compute(bytes.AsSpan(0, read + tail)) ^ (uint)length;
    }
}
