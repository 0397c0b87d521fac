using Forge.Core;

namespace Forge.Host.Tests.Rollouts;

public sealed class MessageLogTests
{
    [Fact]
    public void Snapshot_LaterAppendsAndGrowth_LeaveItUnchanged()
    {
        var log = new MessageLog();
        var snapshots = new List<(IReadOnlyList<Message> Snapshot, Message[] Expected)>();
        var all = new List<Message>();
        for (var i = 0; i < 100; i++)
        {
            var message = Message.User($"m{i}");
            if (i % 3 == 0) log.AddRange([message]);
            else log.Add(message);
            all.Add(message);
            snapshots.Add((log.Snapshot(), [.. all]));
        }

        Assert.Equal(100, log.Count);
        Assert.All(snapshots, s => Assert.Equal(s.Expected, s.Snapshot));
        Assert.All(snapshots, s => Assert.Equal(s.Expected[^1], s.Snapshot[s.Snapshot.Count - 1]));
    }

    [Fact]
    public void Snapshot_IndexPastItsEnd_Throws()
    {
        var log = new MessageLog();
        log.Add(Message.User("a"));
        var snapshot = log.Snapshot();
        log.Add(Message.User("b"));

        Assert.Single(snapshot);
        Assert.Throws<ArgumentOutOfRangeException>(() => snapshot[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => snapshot[-1]);
    }
}
