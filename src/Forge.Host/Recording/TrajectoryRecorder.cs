using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>
/// The sink that appends every finished trajectory to <c>&lt;out&gt;/trajectories.forge</c>.
/// A new file starts with the format header; an existing one is appended to (after its header is checked), so a log
/// only ever grows. Thread-safe; each record goes out in a single write and, by default, is flushed before the call returns.
/// </summary>
public sealed class TrajectoryRecorder : ITrajectorySink, IAsyncDisposable
{
    /// <summary>The name of the trajectory file in a run's output directory.</summary>
    public const string DefaultFileName = "trajectories.forge";

    /// <summary>The trajectory file format version this build writes (and the newest it reads).</summary>
    public const int FormatVersion = TrajectoryFormat.CurrentVersion;

    private readonly FileStream _file;
    private readonly TrajectoryLogWriter _writer;
    private readonly RecordDurability _durability;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _disposed;

    /// <summary>The file being written.</summary>
    public string Path { get; }

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
        _file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 64 * 1024, FileOptions.Asynchronous);
        try
        {
            _writer = new TrajectoryLogWriter(_file);
            if (_file.Length == 0)
            {
                _writer.WriteHeader();
                _file.Flush(flushToDisk: _durability == RecordDurability.Synced);
                BytesWritten = TrajectoryFormat.HeaderBytes;
            }
            else
            {
                var header = new byte[Math.Min(TrajectoryFormat.HeaderBytes, _file.Length)];
                _file.ReadExactly(header);
                TrajectoryFormat.ReadHeader(header, Path);
                _file.Seek(0, SeekOrigin.End);
            }
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask OnTrajectoryAsync(Trajectory trajectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trajectory);
        // The record is written even when the run is being cancelled: a complete trajectory is never dropped.
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            BytesWritten += await _writer.WriteAsync(trajectory, CancellationToken.None).ConfigureAwait(false);
            Count++;
            await FlushAsync(_durability).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!_disposed) await FlushAsync(RecordDurability.Synced).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Flushes to disk and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            await FlushAsync(RecordDurability.Synced).ConfigureAwait(false);
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask FlushAsync(RecordDurability durability)
    {
        switch (durability)
        {
            case RecordDurability.Flushed:
                await _file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                break;
            case RecordDurability.Synced:
                await _file.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                _file.Flush(flushToDisk: true);
                break;
        }
    }
}
