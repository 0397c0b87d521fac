using System.Collections.Concurrent;
using Forge.Core;
using Forge.Host.Checking;
using Forge.Host.Checking.RedTeam;
using Forge.Host.Registry;

namespace Forge.Environments.Tests.Conformance;

/// <summary>
/// The conformance suite every environment's test class inherits (as every channel's tests inherit ChannelTestBase):
/// it loads the environment from the repository's <c>environments.json</c>, runs <see cref="EnvironmentChecker"/> once
/// and turns each named check into a fact of its own, plus direct tests of the reset/step contract.
/// <code>
/// public sealed class ArithmeticEnvironmentTests : EnvironmentConformanceTests
/// {
///     protected override string EnvironmentId => "math/arithmetic";
/// }
/// </code>
/// </summary>
public abstract class EnvironmentConformanceTests
{
    private static readonly ConcurrentDictionary<(string Registry, string Id), Lazy<Task<CheckReport>>> Reports = new();
    private static readonly ConcurrentDictionary<string, Lazy<EnvironmentRegistry>> Registries = new();

    /// <summary>The registry id of the environment under test.</summary>
    protected abstract string EnvironmentId { get; }

    /// <summary>The registry file: the repository's <c>environments.json</c> unless a test data file is named.</summary>
    protected virtual string RegistryPath => RepositoryRegistryPath();

    /// <summary>How thoroughly the checker runs. Default: seeds 0, 1, 2 and two tasks per seed.</summary>
    protected virtual CheckOptions CreateOptions() => new() { Seeds = [0, 1, 2], Episodes = 2, Sandboxes = Sandboxes };

    /// <summary>Sandboxes for environments marked <see cref="RequiresSandboxAttribute"/>; none by default.</summary>
    protected virtual ISandboxProvider? Sandboxes => null;

    /// <summary>The environment under test, from the registry.</summary>
    protected RegisteredEnvironment Environment =>
        Registries.GetOrAdd(Path.GetFullPath(RegistryPath), path => new Lazy<EnvironmentRegistry>(() => EnvironmentRegistry.Load(path))).Value.Get(EnvironmentId);

    [Fact] public Task Check_Tasks_Passes() => AssertCheckAsync(CheckNames.Tasks);
    [Fact] public Task Check_Info_Passes() => AssertCheckAsync(CheckNames.Info);
    [Fact] public Task Check_Reset_Passes() => AssertCheckAsync(CheckNames.Reset);
    [Fact] public Task Check_ToolSchemas_Passes() => AssertCheckAsync(CheckNames.ToolSchemas);
    [Fact] public Task Check_Determinism_Passes() => AssertCheckAsync(CheckNames.Determinism);
    [Fact] public Task Check_RewardRange_Passes() => AssertCheckAsync(CheckNames.RewardRange);
    [Fact] public Task Check_Solver_Passes() => AssertCheckAsync(CheckNames.Solver);
    [Fact] public Task Check_AgentPrograms_Passes() => AssertCheckAsync(CheckNames.AgentPrograms);
    [Fact] public Task Check_StepAfterDone_Passes() => AssertCheckAsync(CheckNames.StepAfterDone);
    [Fact] public Task Check_Truncation_Passes() => AssertCheckAsync(CheckNames.Truncation);
    [Fact] public Task Check_HostileGarbageText_Passes() => AssertCheckAsync(CheckNames.GarbageText);
    [Fact] public Task Check_HostileBrokenToolJson_Passes() => AssertCheckAsync(CheckNames.BrokenToolJson);
    [Fact] public Task Check_HostileMalformedMessage_Passes() => AssertCheckAsync(CheckNames.MalformedMessage);
    [Fact] public Task Check_HostileUnknownTool_Passes() => AssertCheckAsync(CheckNames.UnknownTool);
    [Fact] public Task Check_HostileBadArguments_Passes() => AssertCheckAsync(CheckNames.BadArguments);
    [Fact] public Task Check_HostileHugeMessage_Passes() => AssertCheckAsync(CheckNames.HugeMessage);
    [Fact] public Task Check_HostileEmptyMessage_Passes() => AssertCheckAsync(CheckNames.EmptyMessage);
    [Fact] public Task Check_HostileWrongRole_Passes() => AssertCheckAsync(CheckNames.WrongRole);
    [Fact] public Task Check_HostileManyToolCalls_Passes() => AssertCheckAsync(CheckNames.ManyToolCalls);
    [Fact] public Task Check_Dispose_Passes() => AssertCheckAsync(CheckNames.Dispose);

    /// <summary>How many tasks the red team attacks: all of them unless an environment's episodes are slow (sandboxes).</summary>
    protected virtual int? RedTeamTasks => null;

    /// <summary>Why the red team does not apply to this environment (its task is the form itself), or null: it applies.</summary>
    protected virtual string? RedTeamDoesNotApply => null;

    [SkippableFact]
    public async Task RedTeam_NoAdversaryReachesHalfTheRange_AndTheSolverFullMarks()
    {
        Skip.If(RedTeamDoesNotApply is not null, RedTeamDoesNotApply);
        var report = await RedTeamCheck.RunAsync(Environment, CreateOptions(), RedTeamTasks);

        Assert.True(report.Passed, string.Join(System.Environment.NewLine, report.Findings.Concat(report.SolverMisses)
            .Select(f => $"{f.Agent} on '{f.TaskId}': {f.Reward} ({string.Join(", ", f.Breakdown.Select(b => $"{b.Key} {b.Value}"))}): {string.Join(" | ", f.Episode)}")));
        Assert.Equal(Environment.SolverType is not null, report.HasSolver);
    }

    [Fact]
    public void Registry_Entry_MatchesTheClassAttribute()
    {
        var environment = Environment;
        var attribute = (EnvironmentAttribute?)Attribute.GetCustomAttribute(environment.EnvironmentType, typeof(EnvironmentAttribute));

        Assert.NotNull(attribute);
        Assert.Equal(EnvironmentId, attribute.Id);
        Assert.Equal(attribute.Version, environment.Version);
        Assert.NotEmpty(environment.Description);
    }

    [Fact]
    public void Registry_Entry_DeclaresASolver() =>
        Assert.True(Environment.SolverType is not null, $"{EnvironmentId} declares no \"solver\" in {RegistryPath}; every shipped environment has a scripted solver");

    [Fact]
    public async Task Create_Twice_GivesSeparateInstances()
    {
        await using var first = Environment.Create();
        await using var second = Environment.Create();

        Assert.NotSame(first, second);
        Assert.IsType(Environment.EnvironmentType, first);
    }

    [Fact]
    public async Task StepAsync_BeforeReset_ThrowsInvalidOperation()
    {
        await using var instance = Environment.Create();

        await Assert.ThrowsAsync<InvalidOperationException>(() => instance.StepAsync(Message.Assistant("hello"), CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task ResetAsync_SameSeedAndTask_GivesTheSamePromptAndTools()
    {
        var task = Environment.Tasks(seed: 7, count: 1)[0];
        await using var first = Environment.Create();
        await using var second = Environment.Create();

        var a = await first.ResetAsync(Context(7), task);
        var b = await second.ResetAsync(Context(7), task);

        Assert.Equal(a.Observation, b.Observation);
        Assert.Equal(a.Tools, b.Tools);
    }

    [Fact]
    public async Task ResetAsync_WrongTaskType_ThrowsArgumentException()
    {
        await using var instance = Environment.Create();

        await Assert.ThrowsAsync<ArgumentException>(() => instance.ResetAsync(Context(0), new ForeignTask("foreign")).AsTask());
    }

    /// <summary>Fails with the check's message unless the checker passed (or skipped) <paramref name="name"/>.</summary>
    protected async Task AssertCheckAsync(string name)
    {
        var report = await Reports.GetOrAdd((Path.GetFullPath(RegistryPath), EnvironmentId),
            _ => new Lazy<Task<CheckReport>>(() => EnvironmentChecker.CheckAsync(Environment, CreateOptions()))).Value;
        var check = report[name];
        Assert.True(check.Status != CheckStatus.Failed, $"{EnvironmentId}: check '{name}' failed: {check.Message}");
    }

    private EpisodeContext Context(int seed) => new($"conformance-{seed}", seed) { Limits = Environment.Limits, RewardMode = Environment.RewardMode };

    /// <summary>The repository's environments.json, found by walking up from the test's folder to the one with Forge.sln.</summary>
    protected static string RepositoryRegistryPath()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Forge.sln")) && File.Exists(Path.Combine(folder.FullName, EnvironmentRegistry.FileName)))
                return Path.Combine(folder.FullName, EnvironmentRegistry.FileName);
        throw new FileNotFoundException($"No {EnvironmentRegistry.FileName} beside a Forge.sln above {AppContext.BaseDirectory}.");
    }

    private sealed record ForeignTask(string Id) : IEnvironmentTask;
}
