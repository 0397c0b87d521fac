using Forge.Sandbox.Local;
using Forge.Sandbox.Tests.Conformance;

namespace Forge.Sandbox.Tests.Local;

/// <summary>Host folders a request names (<see cref="ExecRequest.ReadOnlyPaths"/>) are readable by that command alone, read-only; nothing else of the host is.</summary>
public sealed class ReadOnlyPathsTests : IAsyncLifetime
{
    private readonly string _shown = Directory.CreateTempSubdirectory("forge-ro-shown-").FullName;
    private readonly string _hidden = Directory.CreateTempSubdirectory("forge-ro-hidden-").FullName;
    private LocalSandboxProvider? _provider;

    public Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_shown, "package.txt"), "the server's code");
        File.WriteAllText(Path.Combine(_hidden, "secret.txt"), "host secret");
        // Readable by anyone (the sandbox runs as nobody when Forge runs as root): only the sandbox may keep them out.
        const UnixFileMode everyone = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if (OperatingSystem.IsLinux()) foreach (var folder in new[] { _shown, _hidden }) File.SetUnixFileMode(folder, everyone);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null) await _provider.DisposeAsync();
        Directory.Delete(_shown, recursive: true);
        Directory.Delete(_hidden, recursive: true);
    }

    private async Task<ISandbox> SandboxAsync()
    {
        Requirement.That(IsolationProbe.Capabilities.Isolated, "the local sandbox cannot isolate here: " + string.Join("; ", IsolationProbe.Capabilities.Problems));
        _provider = LocalSandboxProvider.Create(SandboxOptions.Default with { PoolSize = 0 });
        return await _provider.AcquireAsync();
    }

    private static ExecRequest Shell(string script, params string[] readOnly) => new(["/bin/sh", "-c", script]) { ReadOnlyPaths = readOnly };

    [SkippableFact]
    public async Task RunAsync_NamedFolder_ReadableButNotWritable_OtherHostFoldersInvisible()
    {
        await using var sandbox = await SandboxAsync();

        var read = await sandbox.RunAsync(Shell($"cat {_shown}/package.txt", _shown));
        var write = await sandbox.RunAsync(Shell($"echo x > {_shown}/new.txt", _shown));
        var other = await sandbox.RunAsync(Shell($"cat {_hidden}/secret.txt", _shown));
        var unnamed = await sandbox.RunAsync(Shell($"cat {_shown}/package.txt"));

        Assert.Equal((0, "the server's code"), (read.ExitCode, read.Stdout));
        Assert.NotEqual(0, write.ExitCode);
        Assert.Contains("Read-only file system", write.Stderr);
        Assert.False(File.Exists(Path.Combine(_shown, "new.txt")));
        Assert.NotEqual(0, other.ExitCode);
        Assert.DoesNotContain("host secret", other.Stdout);
        Assert.NotEqual(0, unnamed.ExitCode);   // shown to the command that named it, not to the next one
    }

    [SkippableTheory]
    [InlineData("relative/folder")]
    [InlineData("/no/such/forge/folder")]
    public async Task RunAsync_NotAnExistingAbsoluteFolder_Refused(string path)
    {
        await using var sandbox = await SandboxAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => sandbox.RunAsync(Shell("true", path)));

        Assert.Contains($"got '{path}'", e.Message);
    }

    [SkippableFact]
    public async Task RunAsync_FolderInsideAFolderOthersCannotEnter_RefusedNamingThatFolder()
    {
        await using var sandbox = await SandboxAsync();
        Skip.IfNot(Native.IsRoot, "only a sandbox that drops root to a uid of its own needs other users' access");
        var closed = Directory.CreateTempSubdirectory("forge-ro-closed-").FullName;   // 0700, like a fresh clone in mktemp -d
        try
        {
            var inner = Directory.CreateDirectory(Path.Combine(closed, "modules")).FullName;

            var e = await Assert.ThrowsAsync<ArgumentException>(() => sandbox.RunAsync(Shell("true", inner)));

            Assert.Contains($"'{closed}' doesn't let other users in", e.Message);
        }
        finally
        {
            Directory.Delete(closed, recursive: true);
        }
    }
}
