using System.Runtime.CompilerServices;
using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>
/// Reads a trajectory file: <see cref="Read"/> loads it whole; <see cref="Open(string)"/> streams it entry by entry.
/// Every complete record is read; torn or damaged stretches come back as <see cref="CorruptRecord"/>s with their offsets.
/// A file that is not a trajectory file, or was written by a newer Forge, is an <see cref="InvalidDataException"/>.
/// </summary>
public sealed class TrajectoryReader : IDisposable
{
    private readonly Stream _stream;
    private readonly string _name;
    private readonly long _dataStart;
    private bool _started;
    private long _consumed;
    private long? _snapshotLength;

    /// <summary>The format version in the file's header.</summary>
    public int FormatVersion { get; }

    private TrajectoryReader(Stream stream, string name)
    {
        _stream = stream;
        _name = name;
        var header = new byte[TrajectoryFormat.HeaderBytes];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        FormatVersion = TrajectoryFormat.ReadHeader(header.AsSpan(0, read), name);
        _dataStart = TrajectoryFormat.HeaderBytes;
    }

    /// <summary>Opens <paramref name="path"/> and checks its header.</summary>
    public static TrajectoryReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Trajectory file {path} does not exist.", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        try
        {
            return new TrajectoryReader(stream, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a trajectory log from any stream positioned at its header (a socket, a pipe, memory); the reader owns the stream.</summary>
    public static TrajectoryReader Open(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new TrajectoryReader(stream, name);
    }

    /// <summary>Reads the whole of <paramref name="path"/>.</summary>
    public static TrajectoryFile Read(string path)
    {
        using var reader = Open(path);
        var trajectories = new List<Trajectory>();
        var corrupt = new List<CorruptRecord>();
        foreach (var entry in reader.ReadEntries())
        {
            if (entry.Trajectory is { } t) trajectories.Add(t);
            else corrupt.Add(entry.Corrupt!);
        }
        return new TrajectoryFile(path, reader.FormatVersion, trajectories, corrupt);
    }

    /// <summary>The entries in file order, read as they are enumerated. Enumerate once.</summary>
    public IEnumerable<TrajectoryEntry> ReadEntries()
    {
        foreach (var frame in ReadFrames()) yield return TrajectoryCodec.Decode(frame);
    }

    /// <summary>The entries in file order, read asynchronously as they are enumerated. Enumerate once.</summary>
    public async IAsyncEnumerable<TrajectoryEntry> ReadEntriesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var parser = Start(_dataStart);
        while (true)
        {
            var status = parser.TryRead(out var frame);
            if (status == FrameParser.Status.End) yield break;
            if (status == FrameParser.Status.Entry) { yield return TrajectoryCodec.Decode(frame); continue; }
            var buffer = Limit(parser.GetFillBuffer());
            var read = buffer.IsEmpty ? 0 : await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _consumed += read;
            if (read == 0) parser.MarkEnd(); else parser.Advance(read);
        }
    }

    /// <summary>
    /// The frames in file order from <paramref name="from"/> (a record boundary; default: the first record), undecoded: each
    /// frame's payload is valid until the next one is read. Enumerate once.
    /// </summary>
    internal IEnumerable<Frame> ReadFrames(long? from = null)
    {
        var start = from ?? _dataStart;
        if (start != _dataStart) _stream.Seek(start, SeekOrigin.Begin);
        var parser = Start(start);
        while (true)
        {
            var status = parser.TryRead(out var frame);
            if (status == FrameParser.Status.End) yield break;
            if (status == FrameParser.Status.Entry) { yield return frame; continue; }
            var buffer = Limit(parser.GetFillBuffer());
            var read = buffer.IsEmpty ? 0 : _stream.Read(buffer.Span);
            _consumed += read;
            if (read == 0) parser.MarkEnd(); else parser.Advance(read);
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _stream.Dispose();

    private FrameParser Start(long from)
    {
        if (_started) throw new InvalidOperationException($"The entries of {_name} are already being read; open the file again to read them twice.");
        _started = true;
        _consumed = from;
        // A file that is still being written is read as it was when reading began: a record half-written then is a torn tail.
        _snapshotLength = _stream.CanSeek ? _stream.Length : null;
        return new FrameParser(from, _snapshotLength);
    }

    private Memory<byte> Limit(Memory<byte> buffer) =>
        _snapshotLength is { } total ? buffer[..(int)Math.Min(buffer.Length, total - _consumed)] : buffer;
}
