using System.Diagnostics;
using System.Text.Json;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// Writes and reads the same trajectories with the trajectory recorder (framed MessagePack) and, as the baseline, as
/// JSON lines with System.Text.Json, in the same run, each with a flush per record (what a run does) and fully buffered.
/// Each measurement is the best of <see cref="Repeats"/>, in a temporary folder deleted afterwards.
/// </summary>
internal sealed class RecorderBenchmark(IReadOnlyList<Trajectory> trajectories)
{
    private const int Repeats = 3;
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public async Task<IReadOnlyList<FormatResult>> RunAsync(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("forge-bench-recorder-");
        try
        {
            // Warm up both formats (JIT, formatter caches) on a few trajectories before timing anything.
            var warmUp = new RecorderBenchmark([.. trajectories.Take(50)]);
            await warmUp.WriteRecorderAsync(Path.Combine(folder.FullName, "warm-up"), flushEach: false, cancellationToken);
            warmUp.ReadRecorder(Path.Combine(folder.FullName, "warm-up", TrajectoryRecorder.DefaultFileName));
            await warmUp.WriteJsonLinesAsync(Path.Combine(folder.FullName, "warm-up.jsonl"), flushEach: false, cancellationToken);
            warmUp.ReadJsonLines(Path.Combine(folder.FullName, "warm-up.jsonl"));

            var results = new List<FormatResult>();
            foreach (var flushEach in new[] { true, false })
            {
                var forge = Path.Combine(folder.FullName, flushEach ? "flushed" : "buffered");
                var write = await BestAsync(() => WriteRecorderAsync(forge, flushEach, cancellationToken));
                var file = Path.Combine(forge, TrajectoryRecorder.DefaultFileName);
                var read = await BestAsync(() => Task.FromResult(ReadRecorder(file)));
                results.Add(new FormatResult("forge log", flushEach, trajectories.Count, new FileInfo(file).Length, write, read));

                var jsonl = Path.Combine(folder.FullName, flushEach ? "flushed.jsonl" : "buffered.jsonl");
                write = await BestAsync(() => WriteJsonLinesAsync(jsonl, flushEach, cancellationToken));
                read = await BestAsync(() => Task.FromResult(ReadJsonLines(jsonl)));
                results.Add(new FormatResult("JSON lines", flushEach, trajectories.Count, new FileInfo(jsonl).Length, write, read));
            }
            return results;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<double> BestAsync(Func<Task<double>> measure)
    {
        var best = double.MaxValue;
        for (var i = 0; i < Repeats; i++) best = Math.Min(best, await measure());
        return best;
    }

    private async Task<double> WriteRecorderAsync(string folder, bool flushEach, CancellationToken cancellationToken)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var clock = Stopwatch.StartNew();
        await using (var recorder = new TrajectoryRecorder(folder, new RecorderOptions { Durability = flushEach ? RecordDurability.Flushed : RecordDurability.Buffered }))
        {
            foreach (var trajectory in trajectories) await recorder.OnTrajectoryAsync(trajectory, cancellationToken);
            await recorder.CompleteAsync(cancellationToken);
        }
        return clock.Elapsed.TotalSeconds;
    }

    private double ReadRecorder(string file)
    {
        var clock = Stopwatch.StartNew();
        var read = TrajectoryReader.Read(file);
        var seconds = clock.Elapsed.TotalSeconds;
        Check(read.Trajectories.Count, file);
        return seconds;
    }

    private async Task<double> WriteJsonLinesAsync(string file, bool flushEach, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024, FileOptions.Asynchronous))
        {
            foreach (var trajectory in trajectories)
            {
                await JsonSerializer.SerializeAsync(stream, trajectory, cancellationToken: cancellationToken);
                await stream.WriteAsync(NewLine, cancellationToken);
                if (flushEach) await stream.FlushAsync(cancellationToken);
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    private double ReadJsonLines(string file)
    {
        var clock = Stopwatch.StartNew();
        var count = 0;
        foreach (var line in File.ReadLines(file))
            if (JsonSerializer.Deserialize<Trajectory>(line) is not null) count++;
        var seconds = clock.Elapsed.TotalSeconds;
        Check(count, file);
        return seconds;
    }

    private void Check(int read, string file)
    {
        if (read != trajectories.Count) throw new InvalidOperationException($"The benchmark read {read} trajectories back from {file}, not {trajectories.Count}.");
    }
}

/// <summary>Write and read times of one format on the same trajectories.</summary>
internal sealed record FormatResult(string Format, bool FlushEachRecord, int Trajectories, long Bytes, double WriteSeconds, double ReadSeconds)
{
    public double WriteMegabytesPerSecond => Bytes / 1e6 / WriteSeconds;
    public double ReadMegabytesPerSecond => Bytes / 1e6 / ReadSeconds;
    public double WriteTrajectoriesPerSecond => Trajectories / WriteSeconds;
    public double ReadTrajectoriesPerSecond => Trajectories / ReadSeconds;
}
