using Forge.Core;
using Forge.Environments.PythonCoding;
using Forge.Sandbox;

namespace Forge.Environments.Tests.PythonCoding;

/// <summary>
/// One local sandbox provider for the coding tests. These tests run only code written here, so where the machine can't
/// isolate they run it unisolated rather than not at all (the security suite in Forge.Sandbox.Tests covers isolation).
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public ISandboxProvider Provider { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Provider = SandboxProviders.Create(new SandboxOptions { AllowUnisolated = true, MemoryMb = 256 });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Provider.DisposeAsync();
}

/// <summary>Plays coding episodes in a fresh sandbox each, as the host does.</summary>
internal static class CodingEpisode
{
    public static IReadOnlyList<CodeTask> Tasks { get; } = TaskFile.Read<CodeTask>(TaskFiles.Path("PythonCoding/python-functions.jsonl"));

    public static CodeTask Task(string id) => Tasks.Single(t => t.Id == id);

    public static async Task<EpisodeOutcome> PlayAsync(ISandboxProvider provider, IAgent agent, CodeTask task, RewardMode mode = RewardMode.Graded)
    {
        await using var environment = new PythonFunctionsEnvironment();
        var limits = EpisodeLimits.Default with { ToolTimeout = TimeSpan.FromSeconds(15), MaxTurns = 6 };
        return await Episode.PlayAsync(environment, agent, task, seed: 1, limits, mode, provider);
    }

    /// <summary>An agent that submits <paramref name="code"/> (after running each of <paramref name="experiments"/> with run_python).</summary>
    public static IAgent Submitting(string code, params string[] experiments) =>
        Episode.Playing([.. experiments.Select(e => Episode.Call("run_python", System.Text.Json.JsonSerializer.Serialize(new { code = e }))),
            Episode.Call("submit", System.Text.Json.JsonSerializer.Serialize(new { code }))]);
}
