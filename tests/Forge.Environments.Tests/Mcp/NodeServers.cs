namespace Forge.Environments.Tests.Mcp;

/// <summary>The reference MCP servers from npm, installed by scripts/install-node-test-deps into tests/TestData/node.</summary>
internal static class NodeServers
{
    /// <summary>The folder they are installed in (every package a server imports lies under it); null when it isn't there.</summary>
    public static string? Modules { get; } = Find();

    /// <summary>The entry point of <c>@modelcontextprotocol/<paramref name="package"/></c>; null when it isn't installed.</summary>
    public static string? Script(string package) =>
        Modules is { } modules && Path.Combine(modules, "@modelcontextprotocol", package, "dist", "index.js") is var script && File.Exists(script) ? script : null;

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
