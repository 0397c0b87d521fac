using Forge.Core;
using Forge.Environments.PythonCoding;

namespace Forge.Environments.Tests.PythonCoding;

/// <summary>code/python-session: run_python calls share a session; code/python-functions gives each call fresh globals.</summary>
public sealed class PythonSessionEnvironmentTests(SandboxFixture sandboxes) : IClassFixture<SandboxFixture>
{
    private static async Task<IReadOnlyList<string>> RunOutputsAsync(ISandboxProvider provider, IEnvironment environment)
    {
        await using var _ = environment;
        var agent = CodingEpisode.Submitting("def f(x):\n    return x", "def helper(x):\n    return x * 3\nbase = 14", "print(helper(base))");
        var limits = EpisodeLimits.Default with { ToolTimeout = TimeSpan.FromSeconds(15), MaxTurns = 6 };
        var outcome = await Episode.PlayAsync(environment, agent, CodingEpisode.Tasks[0], seed: 1, limits, RewardMode.Graded, provider);
        return [.. outcome.Conversation.Where(m => m.Role == Role.Tool && m.Name == "run_python").Select(m => m.Content)];
    }

    [Fact]
    public async Task RunPython_InASessionEnvironment_SeesWhatEarlierCallsDefined()
    {
        var outputs = await RunOutputsAsync(sandboxes.Provider, new PythonSessionEnvironment());

        Assert.Equal(["(no output)", "42\n"], outputs);
    }

    [Fact]
    public async Task RunPython_InTheFunctionsEnvironment_StartsFreshEachCall()
    {
        var outputs = await RunOutputsAsync(sandboxes.Provider, new PythonFunctionsEnvironment());

        Assert.Contains("NameError: name 'helper' is not defined", outputs[1]);
    }
}
