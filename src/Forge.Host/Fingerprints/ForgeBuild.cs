using System.Reflection;

namespace Forge.Host.Fingerprints;

/// <summary>The Forge build that is running: its version and the source commit the SDK stamped into it (<c>1.0.0+&lt;commit&gt;</c>).</summary>
public static class ForgeBuild
{
    private static readonly (string Version, string Commit) Stamp = Read();

    /// <summary>The version, without the commit (<c>1.0.0</c>).</summary>
    public static string Version => Stamp.Version;

    /// <summary>The source commit, or empty when the build was not made from a git checkout.</summary>
    public static string Commit => Stamp.Commit;

    private static (string, string) Read()
    {
        var assembly = typeof(ForgeBuild).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, "") : (informational[..plus], informational[(plus + 1)..]);
    }
}
