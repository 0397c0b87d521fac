using Forge.Sandbox.Local;
using Forge.Sandbox.Tests.Conformance;

namespace Forge.Sandbox.Tests.Local;

/// <summary>The local (bubblewrap) sandbox passes the shared security suite.</summary>
public sealed class LocalSandboxConformanceTests : SandboxConformanceTests<LocalSandboxProvider>
{
    /// <summary>A pool of one keeps the pre-started path under test without starting many interpreters on small machines.</summary>
    protected override SandboxOptions BaseOptions => base.BaseOptions with { PoolSize = 1 };

    protected override Task<LocalSandboxProvider> CreateProviderAsync(SandboxOptions options)
    {
        var capabilities = IsolationProbe.Capabilities;
        Requirement.That(capabilities.Isolated, "the local sandbox cannot isolate here: " + string.Join("; ", capabilities.Problems));
        return Task.FromResult(LocalSandboxProvider.Create(options));
    }

    protected override async Task WaitForPoolAsync(LocalSandboxProvider provider)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await provider.WaitForPoolAsync(limit.Token);
    }

    protected override IReadOnlyList<string> Leftovers(LocalSandboxProvider provider)
    {
        var left = new List<string>();
        if (Directory.Exists(provider.RunDirectory))
        {
            left.AddRange(Directory.GetDirectories(provider.RunDirectory).Select(d => $"sandbox folder {d}"));
            if (provider.IsDisposed) left.Add($"run folder {provider.RunDirectory}");
        }
        left.AddRange(Reaper.ProcessesUnder(provider.RunDirectory).Select(pid => $"process {pid}"));
        if (IsolationProbe.Capabilities.Cgroups is { } layout)
            foreach (var baseDir in layout.Bases)
            {
                var group = Path.Combine(baseDir, Reaper.CgroupName(provider.RunId));
                if (!Directory.Exists(group)) continue;
                left.AddRange(Directory.GetDirectories(group).Select(d => $"sandbox cgroup {d}"));
                if (provider.IsDisposed) left.Add($"run cgroup {group}");
            }
        return left;
    }
}
