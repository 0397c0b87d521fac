using Forge.Training.Rl;

namespace Forge.Training.Tests.Rl;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void At_Constant_WarmsUpLinearlyThenHolds()
    {
        var schedule = new LearningRateSchedule(Peak: 1.0, WarmupUpdates: 3, LearningRateDecay.Constant, MinRatio: 0.1, FirstVersion: 0, LastVersion: 9);
        Assert.Equal([0.25, 0.5, 0.75, 1.0, 1.0, 1.0], Enumerable.Range(0, 6).Select(schedule.At));
        Assert.Equal(1.0, schedule.At(9));
    }

    [Fact]
    public void At_Cosine_FallsFromPeakToMinRatioAtTheLastUpdate()
    {
        // Warm-up over versions 0–1, decay over versions 2–6: progress 0, ¼, ½, ¾, 1.
        var schedule = new LearningRateSchedule(Peak: 2.0, WarmupUpdates: 2, LearningRateDecay.Cosine, MinRatio: 0.1, FirstVersion: 0, LastVersion: 6);
        double Expected(double progress) => 2.0 * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
        Assert.Equal(2.0 / 3, schedule.At(0), 12);
        Assert.Equal(2.0, schedule.At(2), 12);
        Assert.Equal(Expected(0.25), schedule.At(3), 12);
        Assert.Equal(1.1, schedule.At(4), 12);   // half-way: the mean of peak and floor
        Assert.Equal(0.2, schedule.At(6), 12);
        Assert.Equal(0.2, schedule.At(50), 12);  // past the end it stays at the floor
    }

    [Fact]
    public void At_Linear_FallsInEqualSteps()
    {
        var schedule = new LearningRateSchedule(Peak: 1.0, WarmupUpdates: 0, LearningRateDecay.Linear, MinRatio: 0.0, FirstVersion: 0, LastVersion: 4);
        Assert.Equal([1.0, 0.75, 0.5, 0.25, 0.0], Enumerable.Range(0, 5).Select(v => Math.Round(schedule.At(v), 12)));
    }

    [Fact]
    public void For_ResumedRun_DecaysOverItsOwnUpdates()
    {
        var options = new TrainerOptions { LearningRate = 1.0, WarmupUpdates = 0, Updates = 5, LrSchedule = LearningRateDecay.Linear, MinLrRatio = 0.5 };
        var schedule = LearningRateSchedule.For(options, firstVersion: 10);
        Assert.Equal(14, schedule.LastVersion);
        Assert.Equal(1.0, schedule.At(10), 12);
        Assert.Equal(0.5, schedule.At(14), 12);
    }
}
