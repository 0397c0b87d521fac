using System.Text.Json;
using System.Text.RegularExpressions;

namespace Forge.Training.Devices;

/// <summary>Which libtorch version a folder of native libraries holds, read from what each kind of install leaves beside it.</summary>
internal static partial class LibtorchVersion
{
    /// <summary>
    /// The version of the libtorch in <paramref name="folder"/> (the folder holding <c>libtorch_cpu.so</c>), or null when
    /// nothing says: a PyTorch install's <c>torch/version.py</c> (<c>__version__ = '2.10.0+cu128'</c>), a libtorch download's
    /// <c>build-version</c>, a NuGet libtorch package's folder (<c>libtorch-cuda-12.8-linux-x64/2.10.0/runtimes/…</c>), or,
    /// for the libtorch built into the application, the package its <paramref name="depsFiles"/> (<c>*.deps.json</c>) name.
    /// </summary>
    public static string? Of(string folder, IEnumerable<string> depsFiles)
    {
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(folder)) ?? folder;
        foreach (var file in new[] { Path.Combine(parent, "version.py"), Path.Combine(folder, "version.py") })
            if (File.Exists(file) && PythonVersion().Match(File.ReadAllText(file)) is { Success: true } m) return m.Groups["v"].Value;
        foreach (var file in new[] { Path.Combine(parent, "build-version"), Path.Combine(folder, "build-version") })
            if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } text) return text;
        if (PackageFolder().Match(folder.Replace('\\', '/')) is { Success: true } package) return package.Groups["v"].Value;
        return depsFiles.Where(File.Exists).Select(FromDeps).FirstOrDefault(v => v is not null);
    }

    /// <summary>The deps files the .NET host gave this process (the application's first).</summary>
    public static IReadOnlyList<string> ProcessDepsFiles() =>
        (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>True when <paramref name="version"/> has the major and minor version of <paramref name="expected"/> (<c>2.10.1+cu128</c> matches <c>2.10.0</c>).</summary>
    public static bool Matches(string? version, string expected) =>
        version is not null && MajorMinor(version) is { } have && have == MajorMinor(expected);

    /// <summary><c>2.10</c> from <c>2.10.0.0</c> or <c>2.10.1+cu128</c>; null when it isn't a version.</summary>
    public static string? MajorMinor(string version) =>
        Leading().Match(version) is { Success: true } m ? $"{m.Groups["major"].Value}.{m.Groups["minor"].Value}" : null;

    private static string? FromDeps(string depsJson)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(depsJson));
        if (!document.RootElement.TryGetProperty("libraries", out var libraries)) return null;
        foreach (var library in libraries.EnumerateObject())
            if (PackageName().Match(library.Name) is { Success: true } m) return m.Groups["v"].Value;
        return null;
    }

    [GeneratedRegex(@"__version__\s*=\s*['""](?<v>[^'""]+)['""]")]
    private static partial Regex PythonVersion();

    [GeneratedRegex(@"/libtorch-(?:cpu|cuda-[0-9.]+)-[a-z0-9-]+/(?<v>[0-9][^/]*)/runtimes/", RegexOptions.IgnoreCase)]
    private static partial Regex PackageFolder();

    [GeneratedRegex(@"^libtorch-(?:cpu|cuda-[0-9.]+)-[a-z0-9-]+/(?<v>[0-9].*)$", RegexOptions.IgnoreCase)]
    private static partial Regex PackageName();

    [GeneratedRegex(@"^(?<major>\d+)\.(?<minor>\d+)")]
    private static partial Regex Leading();
}
