using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Tests.Rollouts;

namespace Forge.Host.Tests.Recording;

public sealed class RecordedRunTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Log => _dir.File(TrajectoryRecorder.DefaultFileName);

    private async Task Record(params Trajectory[] trajectories)
    {
        await using var recorder = new TrajectoryRecorder(_dir.Path);
        foreach (var t in trajectories) await recorder.OnTrajectoryAsync(t, CancellationToken.None);
    }

    private static EpisodeRequest Request(string id, int seed) => new(id, "test/adder", new FakeTask("t"), seed, "g");

    [Fact]
    public void Read_NoLog_NothingFinishedEveryRequestRemains()
    {
        var run = RecordedRun.Read(Log);

        Assert.Equal(0, run.FinishedCount);
        Assert.Null(run.TornTail);
        Assert.Equal(2, run.Remaining([Request("a", 1), Request("b", 2)]).Count);
    }

    [Fact]
    public async Task Remaining_FinishedEpisodesLeftOut_CancelledOnesRunAgain()
    {
        await Record(SampleTrajectories.SolvedMath("a", seed: 1), SampleTrajectories.SolvedMath("b", seed: 2) with { Termination = Termination.Cancelled });

        var remaining = RecordedRun.Read(Log).Remaining([Request("a", 1), Request("b", 2), Request("c", 3)]);

        Assert.Equal(["b", "c"], remaining.Select(r => r.EpisodeId));
    }

    [Fact]
    public async Task Remaining_SameIdOtherSeed_ErrorNamesLogEpisodeAndSeeds()
    {
        await Record(SampleTrajectories.SolvedMath("a", seed: 1));

        var e = Assert.Throws<InvalidDataException>(() => RecordedRun.Read(Log).Remaining([Request("a", 5)]));

        Assert.Contains(Log, e.Message);
        Assert.Contains("episode a with seed 1", e.Message);
        Assert.Contains("seed 5", e.Message);
    }

    [Fact]
    public async Task Remaining_LogHoldsAnEpisodeThisRunLacks_ErrorNamesIt()
    {
        await Record(SampleTrajectories.SolvedMath("other", seed: 1));

        var e = Assert.Throws<InvalidDataException>(() => RecordedRun.Read(Log).Remaining([Request("a", 1)]));

        Assert.Contains("holds episode other, which this run doesn't have", e.Message);
    }

    [Fact]
    public async Task CutTornTail_HalfWrittenRecord_CutSoTheNextRecordFollowsTheLastCompleteOne()
    {
        await Record(SampleTrajectories.SolvedMath("a", seed: 1), SampleTrajectories.SolvedMath("b", seed: 2));
        var whole = new FileInfo(Log).Length;
        // A crash while writing: the start of a third record (its frame header and part of its payload).
        var third = await File.ReadAllBytesAsync(Log);
        await File.AppendAllBytesAsync(Log, third.AsSpan(16, 40).ToArray());

        var run = RecordedRun.Read(Log);
        Assert.Equal(2, run.FinishedCount);
        Assert.Equal(whole, run.TornTail!.Offset);
        Assert.Equal(40, run.CutTornTail());
        Assert.Equal(whole, new FileInfo(Log).Length);

        await Record(SampleTrajectories.SolvedMath("c", seed: 3));
        var file = TrajectoryReader.Read(Log);
        Assert.Empty(file.Corrupt);
        Assert.Equal(["a", "b", "c"], file.Trajectories.Select(t => t.EpisodeId));
    }
}
