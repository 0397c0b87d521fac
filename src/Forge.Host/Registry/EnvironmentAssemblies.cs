using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

namespace Forge.Host.Registry;

/// <summary>
/// Loads the assemblies environments live in: one the application references (<c>Forge.Environments</c>), a <c>.dll</c>
/// built elsewhere, or a project built on first use (and again when its sources change), as the forge launcher builds Forge.
/// Outside assemblies load into the default context, so they share Forge.Core's types with the host.
/// </summary>
public static class EnvironmentAssemblies
{
    private static readonly object Gate = new();
    private static readonly HashSet<string> ProbedFolders = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="reference"/> is a path to a file rather than an assembly name.</summary>
    public static bool IsPath(string reference) =>
        reference.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || reference.Contains('/', StringComparison.Ordinal) || reference.Contains('\\', StringComparison.Ordinal);

    /// <summary>
    /// The assembly <paramref name="reference"/> names: an assembly name, or a <c>.dll</c> path (relative to <paramref name="folder"/>).
    /// Throws <see cref="FileNotFoundException"/> saying where it looked.
    /// </summary>
    public static Assembly Load(string reference, string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        if (!IsPath(reference))
            return TypeResolver.LoadAssembly(reference)
                ?? throw new FileNotFoundException($"assembly '{reference}' not found (looked for it among the application's assemblies in {AppContext.BaseDirectory})");
        var path = Path.GetFullPath(Path.Combine(folder, reference));
        if (!File.Exists(path)) throw new FileNotFoundException($"assembly file '{reference}' doesn't exist (looked at {path})", path);
        return LoadFile(path);
    }

    /// <summary>Loads the assembly at <paramref name="path"/> (once), resolving its own dependencies from its folder.</summary>
    public static Assembly LoadFile(string path)
    {
        var full = Path.GetFullPath(path);
        lock (Gate)
        {
            // An assembly of that name already loaded is the one: a second copy would split its types.
            var name = AssemblyName.GetAssemblyName(full).Name;
            if (AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name) is { } same) return same;
            var directory = Path.GetDirectoryName(full)!;
            if (ProbedFolders.Add(directory))
                AssemblyLoadContext.Default.Resolving += (context, wanted) =>
                {
                    var candidate = Path.Combine(directory, wanted.Name + ".dll");
                    return File.Exists(candidate) ? context.LoadFromAssemblyPath(candidate) : null;
                };
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(full);
        }
    }

    /// <summary>
    /// Builds <paramref name="project"/> (a <c>.csproj</c> path, relative to <paramref name="folder"/>) into its
    /// <c>bin/forge</c> folder when that has no build yet or a source is newer, and returns the built assembly's path.
    /// Throws <see cref="FileNotFoundException"/> for a missing project and <see cref="InvalidOperationException"/> with the
    /// compiler's errors when the build fails.
    /// </summary>
    public static string BuildProject(string project, string folder)
    {
        var path = Path.GetFullPath(Path.Combine(folder, project));
        if (!File.Exists(path)) throw new FileNotFoundException($"project '{project}' doesn't exist (looked at {path})", path);
        var projectFolder = Path.GetDirectoryName(path)!;
        var output = Path.Combine(projectFolder, "bin", "forge");
        var assembly = Path.Combine(output, Path.GetFileNameWithoutExtension(path) + ".dll");
        lock (Gate)
        {
            if (File.Exists(assembly) && !SourcesNewerThan(projectFolder, File.GetLastWriteTimeUtc(assembly))) return assembly;
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "build", path, "-c", "Release", "-o", output, "-nologo", "-v", "quiet", "-clp:NoSummary" })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet build`");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var errors = (stdout.Result + stderr).Split('\n').Select(l => l.Trim()).Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Distinct().Take(10);
                throw new InvalidOperationException($"building {project} failed:{System.Environment.NewLine}{string.Join(System.Environment.NewLine, errors)}");
            }
            if (!File.Exists(assembly)) throw new InvalidOperationException($"building {project} made no {Path.GetFileName(assembly)} in {output}; the assembly must be named after the project");
            File.SetLastWriteTimeUtc(assembly, DateTime.UtcNow);
            return assembly;
        }
    }

    private static bool SourcesNewerThan(string folder, DateTime built) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Path.GetExtension(f) is ".cs" or ".csproj" or ".props" or ".targets" or ".json" or ".jsonl")
            .Any(f => File.GetLastWriteTimeUtc(f) > built);
}
