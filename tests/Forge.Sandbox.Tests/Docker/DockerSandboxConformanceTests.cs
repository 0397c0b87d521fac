using Docker.DotNet;
using Docker.DotNet.Models;
using Forge.Sandbox.Docker;
using Forge.Sandbox.Tests.Conformance;

namespace Forge.Sandbox.Tests.Docker;

/// <summary>The Docker sandbox passes the shared security suite (skipped without an engine, failed on CI).</summary>
public sealed class DockerSandboxConformanceTests : SandboxConformanceTests<DockerSandboxProvider>, IDisposable
{
    private readonly DockerClient _docker = new DockerClientConfiguration(DockerEngine.DefaultEndpoint()).CreateClient();

    protected override Task<DockerSandboxProvider> CreateProviderAsync(SandboxOptions options) =>
        Task.FromResult(DockerTestEngine.Provider(options));

    protected override async Task WaitForPoolAsync(DockerSandboxProvider provider)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await provider.WaitForPoolAsync(limit.Token);
    }

    protected override IReadOnlyList<string> Leftovers(DockerSandboxProvider provider)
    {
        var containers = _docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ContainerLabels.RunId}={provider.RunId}"] = true },
            },
        }).GetAwaiter().GetResult();
        return provider.IsDisposed
            ? [.. containers.Select(c => $"container {c.ID[..12]} ({c.State})")]
            : [.. containers.Where(c => !provider.PooledContainerIds.Contains(c.ID))
                .Select(c => $"container {c.ID[..12]} ({c.State})")];
    }

    public void Dispose() => _docker.Dispose();
}
