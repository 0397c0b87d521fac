using Forge.Core;
using Forge.Host.Recording;
using MessagePack;

namespace Forge.Host.Tests.Recording;

public sealed class TrajectoryRecorderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task OnTrajectoryAsync_ManyConcurrentWriters_EveryRecordIsIntact()
    {
        await using (var recorder = new TrajectoryRecorder(_dir.Path))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
            {
                for (var i = 0; i < 25; i++)
                    await recorder.OnTrajectoryAsync(SampleTrajectories.SolvedMath($"w{writer}-{i}", seed: i), CancellationToken.None);
            })));
            await recorder.CompleteAsync(CancellationToken.None);
            Assert.Equal(200, recorder.Count);
        }

        var file = TrajectoryReader.Read(_dir.File(TrajectoryRecorder.DefaultFileName));

        Assert.Empty(file.Corrupt);
        Assert.Equal(200, file.Trajectories.Select(t => t.EpisodeId).Distinct().Count());
        Assert.All(file.Trajectories, t => Assert.Equal(2, t.Steps.Count));
    }

    [Fact]
    public async Task OnTrajectoryAsync_EachRecordFlushed_IsReadableBeforeTheRunCompletes()
    {
        await using var recorder = new TrajectoryRecorder(_dir.Path);
        await recorder.OnTrajectoryAsync(SampleTrajectories.SolvedMath(), CancellationToken.None);
        await recorder.OnTrajectoryAsync(SampleTrajectories.Errored(), CancellationToken.None);

        var file = TrajectoryReader.Read(recorder.Path);

        Assert.Equal(new[] { "ep-0001", "ep-0003" }, file.Trajectories.Select(t => t.EpisodeId));
        Assert.Equal(new FileInfo(recorder.Path).Length, recorder.BytesWritten);
    }

    [Fact]
    public async Task Constructor_ExistingLog_AppendsAfterItsRecords()
    {
        await TestFiles.RecordAsync(_dir.Path, [SampleTrajectories.SolvedMath()]);
        await TestFiles.RecordAsync(_dir.Path, [SampleTrajectories.Errored()]);

        var file = TrajectoryReader.Read(_dir.File(TrajectoryRecorder.DefaultFileName));

        Assert.Equal(new[] { "ep-0001", "ep-0003" }, file.Trajectories.Select(t => t.EpisodeId));
        Assert.Empty(file.Corrupt);
    }

    [Fact]
    public async Task Constructor_ExistingVersion1Log_AppendsVersion1Records()
    {
        var path = _dir.File(TrajectoryRecorder.DefaultFileName);
        File.Copy(SampleFileTests.SampleFile("v1.forge"), path);
        var appended = SampleTrajectories.SolvedMath("ep-0005");

        long start;
        await using (var recorder = new TrajectoryRecorder(_dir.Path))
        {
            Assert.Equal(1, recorder.FileFormatVersion);
            start = new FileInfo(path).Length;
            await recorder.OnTrajectoryAsync(appended, CancellationToken.None);
        }

        var file = TrajectoryReader.Read(path);
        Assert.Equal(1, file.FormatVersion);
        Assert.Equal(new[] { "ep-0001", "ep-0002", "ep-0003", "ep-0004", "ep-0005" }, file.Trajectories.Select(t => t.EpisodeId));
        // What format 1's readers (the generic formatters) read: the record is format 1's, keyed by name.
        var record = File.ReadAllBytes(path).AsMemory((int)start + TrajectoryFormat.FrameHeaderBytes);
        Assert.Equal(TestFiles.Canonical(appended), TestFiles.Canonical(MessagePackSerializer.Deserialize<Trajectory>(record, FormatterCompatibilityTests.Generic)));
    }

    [Fact]
    public async Task Constructor_ExistingLogWithTornTail_AppendsAndTheReaderResyncs()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, [SampleTrajectories.SolvedMath(), SampleTrajectories.Policy()]);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, bytes.Length - 10).ToArray());

        await TestFiles.RecordAsync(_dir.Path, [SampleTrajectories.Errored()]);
        var file = TrajectoryReader.Read(path);

        Assert.Equal(new[] { "ep-0001", "ep-0003" }, file.Trajectories.Select(t => t.EpisodeId));
        var corrupt = Assert.Single(file.Corrupt);
        Assert.False(corrupt.AtEndOfFile);
    }

    [Fact]
    public void Constructor_ExistingFileThatIsNotALog_Throws()
    {
        File.WriteAllText(_dir.File(TrajectoryRecorder.DefaultFileName), "hello, not a log");

        var e = Assert.Throws<InvalidDataException>(() => new TrajectoryRecorder(_dir.Path));

        Assert.Contains("is not a Forge trajectory file (bad magic)", e.Message);
    }

    [Fact]
    public async Task Constructor_MissingDirectory_IsCreated()
    {
        var nested = Path.Combine(_dir.Path, "runs", "a");
        await using var recorder = new TrajectoryRecorder(nested, new RecorderOptions { Durability = RecordDurability.Synced });
        await recorder.OnTrajectoryAsync(SampleTrajectories.SolvedMath(), CancellationToken.None);

        Assert.Single(TrajectoryReader.Read(Path.Combine(nested, "trajectories.forge")).Trajectories);
    }

    [Fact]
    public async Task OnTrajectoryAsync_AfterDispose_Throws()
    {
        var recorder = new TrajectoryRecorder(_dir.Path);
        await recorder.DisposeAsync();
        await recorder.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => recorder.OnTrajectoryAsync(SampleTrajectories.SolvedMath(), CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task OnTrajectoryAsync_CancelledToken_StillRecordsTheCompleteTrajectory()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await using (var recorder = new TrajectoryRecorder(_dir.Path))
            await recorder.OnTrajectoryAsync(SampleTrajectories.SolvedMath(), cancelled.Token);

        Assert.Single(TrajectoryReader.Read(_dir.File(TrajectoryRecorder.DefaultFileName)).Trajectories);
    }
}
