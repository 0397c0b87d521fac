using System.Buffers;
using Forge.Core;
using Microsoft.Win32.SafeHandles;

namespace Forge.Host.Recording;

/// <summary>
/// The sink that appends every finished trajectory to <c>&lt;out&gt;/trajectories.forge</c>.
/// A new file starts with the format header; an existing one is appended to (after its header is checked) in the format it
/// was started with, so a log only ever grows and holds one format. Thread-safe; each record goes to the file in a single positioned write (never split, so a crash leaves
/// at most one torn record at the end) and, by default, is handed to the operating system before the call returns.
/// </summary>
/// <remarks>
/// Writes are synchronous system calls on the calling thread: a record is a few kilobytes copied into the page cache, cheaper
/// than the thread hop an asynchronous file write costs on Linux. <see cref="RecordDurability.Buffered"/> gathers records
/// in memory and writes them 64 KiB at a time.
/// </remarks>
public sealed class TrajectoryRecorder : ITrajectorySink, IAsyncDisposable
{
    /// <summary>The name of the trajectory file in a run's output directory.</summary>
    public const string DefaultFileName = "trajectories.forge";

    /// <summary>The trajectory file format version this build writes to a new file (and the newest it reads).</summary>
    public const int FormatVersion = TrajectoryFormat.CurrentVersion;

    private const int BufferedBytes = 64 * 1024;
    private readonly SafeFileHandle _file;
    private readonly TrajectoryLogWriter _writer;
    private readonly ArrayBufferWriter<byte> _pending = new(BufferedBytes);
    private readonly RecordDurability _durability;
    private readonly Lock _gate = new();
    private long _position;
    private bool _disposed;

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>The format of the file: the current one for a new file, the file's own for one appended to.</summary>
    public int FileFormatVersion => _writer.Version;

    /// <summary>Trajectories written so far by this recorder.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes written so far by this recorder (header included when it created the file).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Opens (or creates) the trajectory file in <paramref name="outputDirectory"/>, creating the directory if needed.</summary>
    public TrajectoryRecorder(string outputDirectory, RecorderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        options ??= new RecorderOptions();
        if (string.IsNullOrWhiteSpace(options.FileName) || options.FileName.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"Recorder file name '{options.FileName}' is not a valid file name.", nameof(options));

        Directory.CreateDirectory(outputDirectory);
        Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(outputDirectory, options.FileName));
        _durability = options.Durability;
        _file = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(_file);
            if (length == 0)
            {
                Span<byte> header = stackalloc byte[TrajectoryFormat.HeaderBytes];
                TrajectoryFormat.WriteHeader(header);
                RandomAccess.Write(_file, header, 0);
                if (_durability == RecordDurability.Synced) RandomAccess.FlushToDisk(_file);
                _position = BytesWritten = TrajectoryFormat.HeaderBytes;
                _writer = new TrajectoryLogWriter();
            }
            else
            {
                var header = new byte[Math.Min(TrajectoryFormat.HeaderBytes, length)];
                RandomAccess.Read(_file, header, 0);
                _writer = new TrajectoryLogWriter(version: TrajectoryFormat.ReadHeader(header, Path));
                _position = length;
            }
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        // The record is written even when the run is being cancelled: a complete trajectory is never dropped.
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var record = _writer.Frame(trajectory).Span;
            if (_durability == RecordDurability.Buffered)
            {
                if (_pending.WrittenCount + record.Length > BufferedBytes) WritePending();
                if (record.Length >= BufferedBytes) Write(record);
                else _pending.Write(record);
            }
            else
            {
                Write(record);
                if (_durability == RecordDurability.Synced) RandomAccess.FlushToDisk(_file);
            }
            BytesWritten += record.Length;
            Count++;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Hands every record written so far to the operating system (what <see cref="RecordDurability.Buffered"/> holds back), without a disk sync.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WritePending();
        }
    }

    /// <summary>Hands every record to the operating system and forces it to the disk (fsync).</summary>
    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_disposed) FlushToDisk();
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes what is pending, flushes to disk and closes the file.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed) return ValueTask.CompletedTask;
            _disposed = true;
            try { FlushToDisk(); }
            finally { _file.Dispose(); }
        }
        return ValueTask.CompletedTask;
    }

    private void FlushToDisk()
    {
        WritePending();
        RandomAccess.FlushToDisk(_file);
    }

    private void WritePending()
    {
        if (_pending.WrittenCount == 0) return;
        Write(_pending.WrittenSpan);
        _pending.ResetWrittenCount();
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        RandomAccess.Write(_file, bytes, _position);
        _position += bytes.Length;
    }
}
