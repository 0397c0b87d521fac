namespace Forge.Environments.Tests.Mcp;

/// <summary>The reference MCP servers from npm, installed by scripts/install-node-test-deps into tests/TestData/node.</summary>
internal static class NodeServers
{
    /// <summary>The folder they are installed in (every package a server imports lies under it); null when it isn't there.</summary>
    public static string? Modules { get; } = Find();

    /// <summary>The entry point of <c>@modelcontextprotocol/<paramref name="package"/></c>; null when it isn't installed.</summary>
    public static string? Script(string package) =>
        Modules is { } modules && Path.Combine(modules, "@modelcontextprotocol", package, "dist", "index.js") is var script && File.Exists(script) ? script : null;

    /// <summary>
    /// <see cref="Modules"/> as a sandbox may show it: the folder itself when every user may reach it, else a world-readable
    /// hard-linked copy in the temporary folder (a checkout under a private folder, such as a fresh clone in a 0700 temporary
    /// folder, can't be bound by a sandbox that runs as a uid of its own), removed when the test process exits.
    /// </summary>
    public static string? SandboxModules => _sandboxModules.Value;

    /// <summary>The entry point of <c>@modelcontextprotocol/<paramref name="package"/></c> under <see cref="SandboxModules"/>.</summary>
    public static string SandboxScript(string package) => Path.Combine(SandboxModules!, "@modelcontextprotocol", package, "dist", "index.js");

    private static readonly Lazy<string?> _sandboxModules = new(Stage);

    private static string? Stage()
    {
        // Sandboxes that drop root exist only on Linux.
        if (Modules is null) return null;
        if (!OperatingSystem.IsLinux() || OthersMayReach(Modules)) return Modules;
        var root = Directory.CreateTempSubdirectory("forge-node-");
        File.SetUnixFileMode(root.FullName, (UnixFileMode)0b111_101_101);   // 0755
        var staged = Path.Combine(root.FullName, "node_modules");
        var copy = System.Diagnostics.Process.Start("cp", ["-al", Modules, staged])!;
        copy.WaitForExit();
        if (copy.ExitCode != 0)
        {
            copy = System.Diagnostics.Process.Start("cp", ["-a", Modules, staged])!;
            copy.WaitForExit();
            if (copy.ExitCode != 0) throw new InvalidOperationException($"could not copy {Modules} to {staged} (cp exit {copy.ExitCode})");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { root.Delete(recursive: true); } catch (IOException) { } };
        return staged;
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static bool OthersMayReach(string path)
    {
        for (var folder = new DirectoryInfo(path); folder is not null; folder = folder.Parent)
            if ((File.GetUnixFileMode(folder.FullName) & UnixFileMode.OtherExecute) == 0) return false;
        return true;
    }

    /// <summary>Skips the test (fails it with CI=true) when <paramref name="package"/> isn't installed; else its entry point.</summary>
    public static string Require(string package)
    {
        if (Script(package) is { } script) return script;
        var reason = $"the MCP server @modelcontextprotocol/{package} isn't installed (scripts/install-node-test-deps)";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI=true, so this test may not skip: {reason}");
        Skip.If(true, reason);
        return "";
    }

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var modules = Path.Combine(dir.FullName, "tests", "TestData", "node", "node_modules");
            if (Directory.Exists(modules)) return modules;
        }
        return null;
    }
}
