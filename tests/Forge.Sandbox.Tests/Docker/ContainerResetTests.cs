using Forge.Sandbox.Docker;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>Reading the reset script's report (no engine): only an explicit, empty list of leftovers is clean.</summary>
public sealed class ContainerResetTests
{
    private const string Counters = "/sys/fs/cgroup/memory/memory.oom_control oom_kill 2\\n/sys/fs/cgroup/pids/pids.events max 5";

    [Fact]
    public void Parse_NothingLeft_IsCleanAndCarriesTheCounters()
    {
        var outcome = ContainerReset.Parse(0, $"{{\"left\": [], \"counters\": \"{Counters}\"}}\n");

        Assert.True(outcome.Clean);
        Assert.Equal(new CgroupCounters(2, 5), outcome.Counters);
    }

    [Fact]
    public void Parse_SomethingLeft_IsNotCleanAndSaysWhat()
    {
        var outcome = ContainerReset.Parse(3, "{\"left\": [\"process 42 (sleep)\", \"file /tmp/x\"], \"counters\": \"\"}");

        Assert.False(outcome.Clean);
        Assert.Equal(["process 42 (sleep)", "file /tmp/x"], outcome.Left);
    }

    [Theory]
    [InlineData(137, "")]
    [InlineData(0, "Traceback (most recent call last):")]
    [InlineData(1, "{\"left\": [], \"counters\": \"\"}")]
    public void Parse_ResetKilledOrBroken_IsNotClean(int exitCode, string stdout)
    {
        var outcome = ContainerReset.Parse(exitCode, stdout);

        Assert.False(outcome.Clean);
        Assert.Contains($"exited with {exitCode}", Assert.Single(outcome.Left));
    }
}
