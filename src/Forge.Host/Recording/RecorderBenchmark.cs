using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>Write and read speed of one format over the same trajectories.</summary>
/// <param name="Format">What was measured.</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="WriteSeconds">Best time to write every trajectory (serialization and file writes, flushed at the end).</param>
/// <param name="ReadSeconds">Best time to read them all back into <see cref="Trajectory"/> objects.</param>
public sealed record FormatTiming(string Format, long Bytes, double WriteSeconds, double ReadSeconds)
{
    private const double MB = 1024 * 1024;

    /// <summary>Megabytes of this format's own file written per second.</summary>
    public double WriteMBps => Bytes / MB / WriteSeconds;

    /// <summary>Megabytes of this format's own file read per second.</summary>
    public double ReadMBps => Bytes / MB / ReadSeconds;
}

/// <summary>The recorder against System.Text.Json lines, measured in the same run on the same trajectories.</summary>
/// <param name="Trajectories">How many trajectories each file holds.</param>
/// <param name="Log">The trajectory log (<c>.forge</c>), written through <see cref="TrajectoryRecorder"/> buffered and read with <see cref="TrajectoryReader"/>.</param>
/// <param name="LogFlushedPerRecord">The same log written with the recorder's default durability: each record flushed to the OS.</param>
/// <param name="JsonLines">The baseline: one System.Text.Json object per line, written buffered and read line by line.</param>
public sealed record RecorderBenchmarkResult(int Trajectories, FormatTiming Log, FormatTiming LogFlushedPerRecord, FormatTiming JsonLines)
{
    /// <summary>Trajectories written per second by <paramref name="timing"/>.</summary>
    public double WritesPerSecond(FormatTiming timing) => Trajectories / timing.WriteSeconds;

    /// <summary>Trajectories read per second by <paramref name="timing"/>.</summary>
    public double ReadsPerSecond(FormatTiming timing) => Trajectories / timing.ReadSeconds;
}

/// <summary>
/// The measuring half of <c>forge bench host</c>'s recorder section: writes and reads the same trajectories as a trajectory log
/// and as JSON lines in a directory, best of a few repetitions each, and checks that both read back complete.
/// </summary>
public static class RecorderBenchmark
{
    /// <summary>Measures; the files are left in <paramref name="directory"/> (the caller owns and removes it).</summary>
    public static async Task<RecorderBenchmarkResult> RunAsync(IReadOnlyList<Trajectory> trajectories, string directory, int repetitions = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trajectories);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        Directory.CreateDirectory(directory);

        var log = await MeasureAsync("trajectory log", trajectories, repetitions, cancellationToken,
            () => WriteLogAsync(trajectories, Path.Combine(directory, "buffered"), RecordDurability.Buffered, cancellationToken),
            path => TrajectoryReader.Read(path).Trajectories.Count).ConfigureAwait(false);
        var flushed = await MeasureAsync("trajectory log, flushed per record", trajectories, repetitions, cancellationToken,
            () => WriteLogAsync(trajectories, Path.Combine(directory, "flushed"), RecordDurability.Flushed, cancellationToken),
            path => TrajectoryReader.Read(path).Trajectories.Count).ConfigureAwait(false);
        var json = await MeasureAsync("JSON lines (System.Text.Json)", trajectories, repetitions, cancellationToken,
            () => WriteJsonLinesAsync(trajectories, Path.Combine(directory, "trajectories.jsonl"), cancellationToken),
            ReadJsonLines).ConfigureAwait(false);
        return new RecorderBenchmarkResult(trajectories.Count, log, flushed, json);
    }

    private static async Task<FormatTiming> MeasureAsync(string format, IReadOnlyList<Trajectory> trajectories, int repetitions,
        CancellationToken cancellationToken, Func<Task<string>> write, Func<string, int> read)
    {
        var bestWrite = double.MaxValue;
        var bestRead = double.MaxValue;
        var path = "";
        for (var i = -1; i < repetitions; i++) // round -1 warms up (JIT, serializer code generation) and is not timed
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            path = await write().ConfigureAwait(false);
            if (i >= 0) bestWrite = Math.Min(bestWrite, clock.Elapsed.TotalSeconds);

            clock.Restart();
            var count = read(path);
            if (i >= 0) bestRead = Math.Min(bestRead, clock.Elapsed.TotalSeconds);
            if (count != trajectories.Count)
                throw new InvalidOperationException($"{format}: read {count} trajectories back from {path}, wrote {trajectories.Count}.");
        }
        return new FormatTiming(format, new FileInfo(path).Length, bestWrite, bestRead);
    }

    private static async Task<string> WriteLogAsync(IReadOnlyList<Trajectory> trajectories, string directory, RecordDurability durability, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, TrajectoryRecorder.DefaultFileName);
        if (File.Exists(path)) File.Delete(path);
        await using var recorder = new TrajectoryRecorder(directory, new RecorderOptions { Durability = durability });
        foreach (var t in trajectories) await recorder.OnTrajectoryAsync(t, cancellationToken).ConfigureAwait(false);
        await recorder.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return recorder.Path;
    }

    private static async Task<string> WriteJsonLinesAsync(IReadOnlyList<Trajectory> trajectories, string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, FileOptions.Asynchronous);
        foreach (var t in trajectories)
        {
            await JsonSerializer.SerializeAsync(file, t, TrajectoryJson.Options, cancellationToken).ConfigureAwait(false);
            file.WriteByte((byte)'\n');
        }
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        file.Flush(flushToDisk: true);
        return path;
    }

    private static int ReadJsonLines(string path)
    {
        var count = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
            if (line.Length > 0 && JsonSerializer.Deserialize<Trajectory>(line, TrajectoryJson.Options) is not null) count++;
        return count;
    }
}
