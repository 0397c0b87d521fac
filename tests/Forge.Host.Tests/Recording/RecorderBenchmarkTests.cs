using Forge.Host.Recording;

namespace Forge.Host.Tests.Recording;

public sealed class RecorderBenchmarkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_SameTrajectories_MeasuresEveryFormatAndChecksTheyReadBack()
    {
        var trajectories = RecorderBenchmark.SampleTrajectories(50);

        var result = await RecorderBenchmark.RunAsync(trajectories, _dir.Path, repetitions: 1);

        Assert.Equal(50, result.Trajectories);
        Assert.Equal(4, result.Rows.Count);
        foreach (var timing in result.Rows)
        {
            Assert.True(timing.Bytes > 50 * 100, $"{timing.Format}: {timing.Bytes} bytes");
            Assert.True(timing.WriteSeconds > 0 && timing.ReadSeconds > 0);
            Assert.True(double.IsFinite(timing.WriteMBps) && double.IsFinite(timing.ReadMBps));
        }
        Assert.Equal(result.Row(RecorderBenchmark.Log, true).Bytes, result.Row(RecorderBenchmark.Log, false).Bytes);
        Assert.Equal(new FileInfo(_dir.File("buffered.jsonl")).Length, result.Row(RecorderBenchmark.JsonLines, false).Bytes);
        Assert.Equal(result.Row(RecorderBenchmark.JsonLines, false).WriteSeconds / result.Row(RecorderBenchmark.Log, false).WriteSeconds, result.WriteSpeedup(false));
        Assert.Equal(50, TrajectoryReader.Read(Path.Combine(_dir.Path, "buffered", "trajectories.forge")).Trajectories.Count);
    }

    [Fact]
    public void SampleTrajectories_SameSeed_SameTrajectories()
    {
        var first = RecorderBenchmark.SampleTrajectories(5, seed: 3).Select(TestFiles.Canonical);
        var again = RecorderBenchmark.SampleTrajectories(5, seed: 3).Select(TestFiles.Canonical);
        var other = RecorderBenchmark.SampleTrajectories(5, seed: 4).Select(TestFiles.Canonical);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }
}
