using Forge.Cli.Commands.Run;
using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Cli.Tests.Commands.Run;

/// <summary>
/// A scenario's agent-program section resolves <c>program</c> through the registry (in process, or a process an entry
/// declares, run in the registry's folder) and <c>command</c> in the scenario's folder; its deadline wins over the registry's.
/// </summary>
public sealed class AgentProgramSectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-program-section-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepositoryFile(params string[] parts) => Path.Combine([ForgeProcess.RepositoryRoot, .. parts]);

    private EnvironmentRegistry Registry(double? deadline = 30)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "registry")).FullName;
        var deadlineField = deadline is { } d ? $", \"deadline_seconds\": {d}" : "";
        var path = Path.Combine(folder, EnvironmentRegistry.FileName);
        File.WriteAllText(path, $$"""
            { "schema_version": 2, "environments": {
                "math/arithmetic": {},
                "support/desk": { "agent_programs": { "desk-node": { "command": [ "node", "desk.mjs" ]{{deadlineField}} } } } } }
            """);
        return EnvironmentRegistry.Load(path);
    }

    private Scenario ScenarioWith(string agent, string environment = "support/desk", string extra = "")
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "scenarios")).FullName;
        var path = Path.Combine(folder, "program.json");
        File.WriteAllText(path, $$"""
            { "name": "program", "environments": [ { "id": "{{environment}}", "tasks": 1 } ],
              "agent": { "type": "agent-program", "checkpoint": "policy", {{agent}} } {{extra}} }
            """);
        return Scenario.Load(path);
    }

    [Fact]
    public void Read_RegisteredProcessProgram_RunsItsCommandInTheRegistrysFolderWithItsDeadline()
    {
        var section = AgentProgramSection.Read(ScenarioWith("\"program\": \"desk-node\""), Registry());

        Assert.Equal(["node", "desk.mjs"], section.Command);
        Assert.Equal(Path.Combine(_dir, "registry"), section.WorkingDirectory);
        Assert.Equal(30, section.DeadlineSeconds);
        Assert.Null(section.InProcess);
        Assert.Equal(Path.Combine(_dir, "scenarios", "policy"), section.Policy);
    }

    [Fact]
    public void Read_ScenarioDeadline_WinsOverTheRegistrys()
    {
        var section = AgentProgramSection.Read(ScenarioWith("\"program\": \"desk-node\", \"deadline_seconds\": 7"), Registry());

        Assert.Equal(7, section.DeadlineSeconds);
    }

    [Fact]
    public void Read_NeitherSetsADeadline_TakesTheDefault()
    {
        var section = AgentProgramSection.Read(ScenarioWith("\"program\": \"desk-node\""), Registry(deadline: null));

        Assert.Equal(AgentProgramSection.DefaultDeadlineSeconds, section.DeadlineSeconds);
    }

    [Fact]
    public void Read_ScenarioCommand_RunsInTheScenariosFolder()
    {
        var section = AgentProgramSection.Read(ScenarioWith("\"command\": [ \"python3\", \"agent.py\" ]"), Registry());

        Assert.Equal(["python3", "agent.py"], section.Command);
        Assert.Equal(Path.Combine(_dir, "scenarios"), section.WorkingDirectory);
        Assert.Equal(AgentProgramSection.DefaultDeadlineSeconds, section.DeadlineSeconds);
    }

    [Fact]
    public void Read_InProcessProgram_IsFoundByTheSameName()
    {
        var section = AgentProgramSection.Read(ScenarioWith("\"program\": \"support-desk\""), Registry());

        Assert.Equal("support-desk", section.InProcess!.Name);
        Assert.Null(section.Command);
    }

    [Fact]
    public void Read_ProgramAndCommand_RefusedNamingTheField()
    {
        var error = Assert.Throws<ScenarioException>(() => AgentProgramSection.Read(ScenarioWith("\"program\": \"desk-node\", \"command\": [ \"node\" ]"), Registry()));

        Assert.Contains(error.Problems, p => p.Contains("$.agent.program: give exactly one of \"program\"", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"program\": \"desk-node\"")]
    [InlineData("\"command\": [ \"python3\", \"agent.py\" ]")]
    public void Read_ProcessProgramInTheDockerSandbox_RefusedNamingTheBackend(string agent)
    {
        var error = Assert.Throws<ScenarioException>(() => AgentProgramSection.Read(ScenarioWith(agent, extra: ", \"sandbox\": { \"backend\": \"docker\" }"), Registry()));

        Assert.Contains(error.Problems, p => p.Contains("$.sandbox.backend: process agent programs run in the local sandbox only (the docker sandbox shares no folder", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ProcessProgramInTheLocalSandbox_OrAnInProcessOneInDocker_Accepted()
    {
        Assert.Equal(["node", "desk.mjs"], AgentProgramSection.Read(ScenarioWith("\"program\": \"desk-node\"", extra: ", \"sandbox\": { \"backend\": \"local\" }"), Registry()).Command);
        Assert.Equal("support-desk", AgentProgramSection.Read(ScenarioWith("\"program\": \"support-desk\"", extra: ", \"sandbox\": { \"backend\": \"docker\" }"), Registry()).InProcess!.Name);
    }

    [Fact]
    public void Read_RegisteredProgramOnAnotherEnvironment_NamesTheScenariosEnvironment()
    {
        var error = Assert.Throws<ScenarioException>(() => AgentProgramSection.Read(ScenarioWith("\"program\": \"desk-node\"", "math/arithmetic"), Registry()));

        Assert.Contains(error.Problems, p => p.EndsWith("$.environments[0].id: the `desk-node` agent program takes support/desk tasks, not math/arithmetic.", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_UnknownProgram_ListsTheRegisteredOnesWithDidYouMean()
    {
        var error = Assert.Throws<ScenarioException>(() => AgentProgramSection.Read(ScenarioWith("\"program\": \"desk-nod\""), Registry()));

        Assert.Contains(error.Problems, p => p.EndsWith("$.agent.program: `desk-nod` is not an agent program here; use one of desk-node, support-desk, or \"command\". Did you mean `desk-node`?", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ShippedPythonScenario_RunsTheRegisteredProgramWhoseFileExists()
    {
        var registry = EnvironmentRegistry.Load(RepositoryFile(EnvironmentRegistry.FileName));

        var section = AgentProgramSection.Read(Scenario.Load(RepositoryFile("scenarios", "support-desk-python.json")), registry);

        Assert.Equal("desk-python", registry.FindProgram("desk-python")!.Name);
        Assert.Equal(["python3", "environments/SupportDesk/programs/support_desk_agent.py"], section.Command);
        Assert.Equal(ForgeProcess.RepositoryRoot.TrimEnd('/'), section.WorkingDirectory!.TrimEnd('/'));
        Assert.True(File.Exists(Path.Combine(section.WorkingDirectory, section.Command![1])));
        Assert.Equal(120, section.DeadlineSeconds);
    }
}
