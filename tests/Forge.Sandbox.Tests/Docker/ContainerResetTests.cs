using System.Text.Json;
using Forge.Sandbox.Docker;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>Reading the reset script's report (no engine): only an explicit, empty list of leftovers is clean.</summary>
public sealed class ContainerResetTests
{
    private static JsonElement Frame(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Parse_NothingLeft_IsClean()
    {
        var outcome = ContainerReset.Parse(Frame("{\"left\": []}"));

        Assert.True(outcome.Clean);
        Assert.Empty(outcome.Left);
    }

    [Fact]
    public void Parse_SomethingLeft_IsNotCleanAndSaysWhat()
    {
        var outcome = ContainerReset.Parse(Frame("{\"left\": [\"process 42 (sleep)\", \"file /tmp/x\"]}"));

        Assert.False(outcome.Clean);
        Assert.Equal(["process 42 (sleep)", "file /tmp/x"], outcome.Left);
    }

    [Fact]
    public void Parse_NoReport_IsNotClean()
    {
        var outcome = ContainerReset.Parse(null);

        Assert.False(outcome.Clean);
        Assert.Equal(["the reset ended without a report"], outcome.Left);
    }

    [Fact]
    public void Parse_AFrameThatIsNoReport_IsNotClean()
    {
        Assert.False(ContainerReset.Parse(Frame("{\"ready\": true, \"pid\": 7}")).Clean);
        Assert.False(ContainerReset.Parse(Frame("[1, 2]")).Clean);
    }
}
