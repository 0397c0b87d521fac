using Forge.Training.Rl;

namespace Forge.Training.Tests.Rl;

public sealed class MicroBatchesTests
{
    [Fact]
    public void Plan_SortsByLengthAndRespectsBudget()
    {
        var plan = MicroBatches.Plan([10, 50, 20, 40, 30], tokenBudget: 90);
        Assert.Equal([[0, 2, 4], [3], [1]], plan);   // 3×30 = 90 fits; 40 and 50 together would pad to 100
    }

    [Fact]
    public void Plan_SequenceLongerThanBudget_AloneInItsBatch()
    {
        var plan = MicroBatches.Plan([5, 500, 5], tokenBudget: 100);
        Assert.Equal([[0, 2], [1]], plan);
        Assert.Equal(3, plan.Sum(b => b.Length));
    }
}
