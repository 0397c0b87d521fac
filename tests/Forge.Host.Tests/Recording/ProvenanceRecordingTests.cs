using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Host.Tests.Recording;

public sealed class ProvenanceRecordingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static Provenance Sample() => new()
    {
        ForgeVersion = "1.0.0",
        ForgeCommit = "0123456789abcdef0123456789abcdef01234567",
        EnvironmentVersion = "1",
        EnvironmentAssembly = "Forge.Environments",
        EnvironmentAssemblyHash = new string('a', 64),
        Task = new TaskProvenance { Source = TaskProvenance.GeneratorSource, Generator = "Forge.Environments.Vault.VaultTasks", GeneratorSeed = 7, ContentHash = new string('b', 64) },
        Limits = EpisodeLimits.Default with { MaxTurns = 4, ToolTimeout = TimeSpan.FromSeconds(5) },
        Sandbox = new SandboxProvenance { Backend = "docker", Image = "forge-sandbox:py3", ImageId = "sha256:" + new string('c', 64) },
        Agent = new AgentProvenance { Type = "semantic-kernel", Model = "gpt-4o-mini", EndpointHost = "localhost:8000", PolicyCheckpointHash = null, Details = "temperature 0.7" },
    };

    [Fact]
    public async Task Record_ProvenanceForkAndErrorStep_ReadBackEqual()
    {
        var trajectory = SampleTrajectories.Errored() with
        {
            Provenance = Sample(),
            ParentEpisodeId = "ep-parent",
            ForkStep = 1,
            Error = new EpisodeError(ErrorBoundary.Tool, "TimeoutException", "slow") { Step = 2 },
        };

        var path = await TestFiles.RecordAsync(_dir.Path, [trajectory]);
        var read = Assert.Single(TrajectoryReader.Read(path).Trajectories);

        Assert.Equal(Sample(), read.Provenance);
        Assert.Equal(("ep-parent", 1), (read.ParentEpisodeId, read.ForkStep));
        Assert.Equal(2, read.Error!.Step);
        Assert.Equal(TestFiles.Canonical(trajectory), TestFiles.Canonical(read));
    }

    [Fact]
    public void Read_Version1Sample_HasNoProvenanceAndNoParent()
    {
        var file = TrajectoryReader.Read(SampleFileTests.SampleFile("v1.forge"));

        Assert.All(file.Trajectories, t => Assert.Null(t.Provenance));
        Assert.All(file.Trajectories, t => Assert.Null(t.ParentEpisodeId));
        Assert.All(file.Trajectories, t => Assert.Null(t.ForkStep));
        Assert.Null(file.Trajectories[2].Error!.Step);
    }

    private sealed record JsonTask(string Id, System.Text.Json.JsonElement Expected = default, string? Raises = null) : IEnvironmentTask;

    [Fact]
    public void TaskHash_SameContent_SameHash_AndAbsentJsonValuesHash()
    {
        var a = Forge.Host.Fingerprints.Fingerprint.Of(new JsonTask("t", System.Text.Json.JsonDocument.Parse("[1, 2]").RootElement));
        var b = Forge.Host.Fingerprints.Fingerprint.Of(new JsonTask("t", System.Text.Json.JsonDocument.Parse("[1,2]").RootElement));
        var raises = Forge.Host.Fingerprints.Fingerprint.Of(new JsonTask("t", Raises: "ValueError"));

        Assert.Matches("^[0-9a-f]{64}$", a);
        Assert.NotEqual(a, Forge.Host.Fingerprints.Fingerprint.Of(new JsonTask("t", System.Text.Json.JsonDocument.Parse("[1, 3]").RootElement)));
        Assert.NotEqual(a, raises);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("{\"Id\":\"t\",\"Expected\":null,\"Raises\":\"ValueError\"}"u8)), raises);
        Assert.Equal(a, b);   // whitespace inside a JSON value is not content
    }
}
