using Forge.Core;
using Forge.Training.Pipeline;

namespace Forge.Training.Tests.Pipeline;

public sealed class GroupBatcherTests
{
    private static Trajectory Episode(string group, int member, Termination termination = Termination.Terminated, int? version = 0) => new()
    {
        EpisodeId = $"{group}:{member}", GroupId = group, EnvironmentId = "game/vault", TaskId = "t", Termination = termination,
        Steps = [new Step { Action = Message.Assistant("x") with { PolicyVersion = version } }],
    };

    [Fact]
    public async Task OnTrajectory_GroupCompletes_WhenAllMembersArrive()
    {
        var batcher = new GroupBatcher(groupSize: 2);
        await batcher.OnTrajectoryAsync(Episode("a", 0), default);
        await batcher.OnTrajectoryAsync(Episode("b", 0, version: 3), default);
        Assert.False(batcher.Groups.TryRead(out _));
        await batcher.OnTrajectoryAsync(Episode("b", 1, version: 1), default);
        Assert.True(batcher.Groups.TryRead(out var group));
        Assert.Equal("b", group.GroupId);
        Assert.Equal(2, group.Trajectories.Count);
        Assert.Equal(1, group.OldestPolicyVersion);
    }

    [Fact]
    public async Task OnTrajectory_CancelledMember_GroupDroppedAndCounted()
    {
        var batcher = new GroupBatcher(groupSize: 2);
        await batcher.OnTrajectoryAsync(Episode("a", 0), default);
        await batcher.OnTrajectoryAsync(Episode("a", 1, Termination.Cancelled), default);
        Assert.False(batcher.Groups.TryRead(out _));
        Assert.Equal(1, batcher.DroppedGroups);
    }

    [Fact]
    public async Task Complete_IncompleteGroups_DroppedAndChannelCompleted()
    {
        var batcher = new GroupBatcher(groupSize: 3);
        await batcher.OnTrajectoryAsync(Episode("a", 0), default);
        await batcher.CompleteAsync(default);
        Assert.Equal(1, batcher.DroppedGroups);
        Assert.True(batcher.Groups.Completion.IsCompleted);
    }
}
