using Forge.Sandbox.Execution;

namespace Forge.Sandbox.Tests.Execution;

public sealed class LimitClassifierTests
{
    [Theory]
    [InlineData(0, "MemoryError", SandboxLimit.None)]
    [InlineData(1, "", SandboxLimit.None)]
    [InlineData(152, "", SandboxLimit.CpuTime)]
    [InlineData(153, "", SandboxLimit.FileSize)]
    [InlineData(1, "Traceback (most recent call last):\n  File \"<string>\", line 1\nMemoryError\n", SandboxLimit.Memory)]
    [InlineData(1, "OSError: [Errno 27] File too large", SandboxLimit.FileSize)]
    [InlineData(2, "/bin/sh: 0: Cannot fork", SandboxLimit.Processes)]
    [InlineData(1, "BlockingIOError: [Errno 11] Resource temporarily unavailable", SandboxLimit.Processes)]
    [InlineData(137, "", SandboxLimit.None)]
    public void Classify_ExitAndMessages_NameTheLimit(int exitCode, string stderr, SandboxLimit expected) =>
        Assert.Equal(expected, LimitClassifier.Classify(exitCode, stderr));

    [Fact]
    public void Classify_KernelCounters_WinOverMessages()
    {
        Assert.Equal(SandboxLimit.Memory, LimitClassifier.Classify(137, "", new LimitClassifier.KernelEvents(OomKilled: true, ForkRefused: false)));
        Assert.Equal(SandboxLimit.Processes, LimitClassifier.Classify(1, "", new LimitClassifier.KernelEvents(OomKilled: false, ForkRefused: true)));
    }

    [Fact]
    public void Classify_DriverReport_UsesTheExceptionAndErrno()
    {
        Assert.Equal(SandboxLimit.Memory, LimitClassifier.Classify(1, "", exception: "MemoryError"));
        Assert.Equal(SandboxLimit.FileSize, LimitClassifier.Classify(1, "", exception: "OSError", errno: 27));
        Assert.Equal(SandboxLimit.Processes, LimitClassifier.Classify(1, "", exception: "BlockingIOError", errno: 11));
        Assert.Equal(SandboxLimit.None, LimitClassifier.Classify(1, "", exception: "ValueError"));
    }
}
