using Forge.Core;
using Forge.Sandbox;

namespace Forge.Environments.Tests.Mcp;

/// <summary>
/// MCP servers started inside the episode's local sandbox: the workspace is all they can write, the host's files are
/// invisible even at paths the server itself allows, and the host's environment doesn't reach them.
/// </summary>
public sealed class SandboxedMcpTests : IAsyncLifetime
{
    private static readonly NoteTask Note = new("n1", "note.txt", "the vault code is jade");
    private readonly string _secretFolder = Directory.CreateTempSubdirectory("forge-mcp-secret-").FullName;
    private ISandboxProvider? _provider;

    private string SecretFile => Path.Combine(_secretFolder, "secret.txt");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(SecretFile, "host secret 4711");
    }

    public async Task DisposeAsync()
    {
        if (_provider is not null) await _provider.DisposeAsync();
        Directory.Delete(_secretFolder, recursive: true);
    }

    /// <summary>A local provider whose sandboxes isolate (skips, or fails with CI=true, where this machine can't); node needs 2 GiB of address space.</summary>
    private ISandboxProvider Provider()
    {
        NodeServers.Require("server-filesystem");
        NodeServers.Require("server-everything");
        _provider = SandboxProviders.Create(new SandboxOptions { Backend = "local", MemoryMb = 2048, MaxProcesses = 256 });
        if (!_provider.Isolation.Isolated)
        {
            var reason = $"the local sandbox can't isolate here: {_provider.Isolation.Summary}";
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true, so this test may not skip: {reason}");
            Skip.If(true, reason);
        }
        return _provider;
    }

    private static Task<StepResult> ReadAsync(IEnvironment environment, params string[] paths) =>
        environment.StepAsync(Message.Assistant("", [.. paths.Select((p, i) => new ToolCall($"c{i}", "read_text_file", $$"""{"path": "{{p}}"}"""))]), CancellationToken.None).AsTask();

    [SkippableFact]
    public async Task FilesystemServer_InTheSandbox_ReadsTheWorkspaceOnly_EvenWherePathsTheServerAllowsReachTheHost()
    {
        await using var sandbox = await Provider().AcquireAsync();
        await using var environment = new SandboxedNotesEnvironment();
        await environment.ResetAsync(new EpisodeContext("e", 0) { Sandbox = sandbox }, Note);

        var step = await ReadAsync(environment, "/workspace/note.txt", SecretFile, Path.Combine(ForgeRoot(), "README.md"), "/etc/shadow");

        Assert.Equal(("read_text_file", false, Note.Text), (step.Observation[0].Name, step.Observation[0].IsError, step.Observation[0].Content));
        foreach (var denied in step.Observation.Skip(1))
        {
            Assert.True(denied.IsError, denied.Content);
            Assert.StartsWith("tool 'read_text_file' failed: ", denied.Content);
            Assert.Contains("ENOENT", denied.Content);   // not there at all: the host's files are outside the sandbox's world
        }
        Assert.DoesNotContain(step.Observation, m => m.Content.Contains("host secret", StringComparison.Ordinal));

        // The control: the same server, allowed the same "/", started on the host reads the secret.
        await using var onHost = await McpToolSource.StartAsync("node", [NodeServers.Script("server-filesystem")!, "/"]);
        var leaked = await onHost.InvokeAsync(new ToolCall("h", "read_text_file", $$"""{"path": "{{SecretFile}}"}"""), TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal("host secret 4711", leaked.Content);
    }

    [SkippableFact]
    public async Task FilesystemServer_InTheSandbox_WritesLandInTheWorkspace()
    {
        await using var sandbox = await Provider().AcquireAsync();
        await using var environment = new SandboxedNotesEnvironment();
        await environment.ResetAsync(new EpisodeContext("e", 0) { Sandbox = sandbox }, Note);

        var step = await environment.StepAsync(Message.Assistant("",
            new ToolCall("w", "write_file", """{"path": "/workspace/answer.txt", "content": "jade"}"""),
            new ToolCall("x", "write_file", """{"path": "/usr/forge-was-here", "content": "x"}""")), CancellationToken.None);

        Assert.False(step.Observation[0].IsError, step.Observation[0].Content);
        Assert.Equal("jade", System.Text.Encoding.UTF8.GetString(await sandbox.ReadFileAsync("answer.txt")));
        Assert.True(step.Observation[1].IsError, step.Observation[1].Content);   // the rest of the file system is read-only
        Assert.False(File.Exists("/usr/forge-was-here"));
    }

    [SkippableFact]
    public async Task EverythingServer_InTheSandbox_SeesTheSandboxsEnvironmentNotTheHosts()
    {
        await using var sandbox = await Provider().AcquireAsync();
        Environment.SetEnvironmentVariable("FORGE_MCP_HOST_MARKER", "visible-on-the-host");
        try
        {
            await using var inside = await McpToolSource.StartInSandboxAsync(sandbox, ["node", NodeServers.SandboxScript("server-everything"), "stdio"], [NodeServers.SandboxModules!]);
            await using var outside = await McpToolSource.StartAsync("node", [NodeServers.Script("server-everything")!, "stdio"]);

            var insideEnv = await inside.InvokeAsync(new ToolCall("e", "get-env", "{}"), TimeSpan.FromSeconds(10), CancellationToken.None);
            var outsideEnv = await outside.InvokeAsync(new ToolCall("e", "get-env", "{}"), TimeSpan.FromSeconds(10), CancellationToken.None);
            var sum = await inside.InvokeAsync(new ToolCall("s", "get-sum", """{"a": 19, "b": 23}"""), TimeSpan.FromSeconds(10), CancellationToken.None);

            Assert.Contains("visible-on-the-host", outsideEnv.Content);
            Assert.DoesNotContain("visible-on-the-host", insideEnv.Content);
            Assert.Contains("/workspace", insideEnv.Content);   // HOME is the workspace
            Assert.Contains("42", sum.Content);
        }
        finally
        {
            Environment.SetEnvironmentVariable("FORGE_MCP_HOST_MARKER", null);
        }
    }

    private static string ForgeRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Forge.sln"))) return dir.FullName;
        throw new InvalidOperationException("The tests run outside the repository.");
    }
}
