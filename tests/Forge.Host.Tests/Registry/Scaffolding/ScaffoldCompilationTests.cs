using System.Reflection;
using System.Text.Json.Nodes;
using Forge.Host.Checking;
using Forge.Host.Registry;
using Forge.Host.Registry.Scaffolding;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Forge.Host.Tests.Registry.Scaffolding;

/// <summary>
/// What forge envs new writes compiles without warnings (as the environments project builds it: nullable, warnings as errors)
/// and passes every check, run here on an in-memory build of the scaffolded files.
/// </summary>
public sealed class ScaffoldCompilationTests
{
    // The SDK's implicit usings for a class library and the environments project's own global using of Forge.Core.
    private const string ImplicitUsings = """
        global using Forge.Core;
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Fact]
    public async Task Create_ScaffoldedEnvironment_CompilesAndPassesEveryCheck()
    {
        using var repository = new TempRepository();
        var result = EnvironmentScaffold.Create(repository.Root, "games/compiled-demo");
        var assemblyName = $"Forge.Scaffolded.{Guid.NewGuid():N}";

        var assembly = Compile(assemblyName, result.Files.Where(f => f.EndsWith(".cs", StringComparison.Ordinal)).Select(repository.Read));
        var registry = JsonNode.Parse(repository.Read("environments.json"))!;
        registry["environments"]!["games/compiled-demo"]!["assembly"] = assembly.GetName().Name;
        File.WriteAllText(repository.RegistryPath, registry.ToJsonString());
        var environment = EnvironmentRegistry.Load(repository.RegistryPath).Get("games/compiled-demo");

        var report = await EnvironmentChecker.CheckAsync(environment, new CheckOptions { Seeds = [0, 1], Episodes = 2 });

        Assert.True(report.Passed, string.Join(Environment.NewLine, report.Failures.Select(f => $"{f.Name}: {f.Message}")));
        // A new environment has no agent programs yet, so that check alone doesn't apply.
        Assert.All(report.Checks, c => Assert.Equal(c.Name == CheckNames.AgentPrograms ? CheckStatus.Skipped : CheckStatus.Passed, c.Status));
        Assert.Equal(4, environment.TaskCount);
    }

    private static Assembly Compile(string assemblyName, IEnumerable<string> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        var trees = sources.Append(ImplicitUsings).Select(s => CSharpSyntaxTree.ParseText(s, parse)).ToList();
        var compilation = CSharpCompilation.Create(assemblyName, trees, References(), new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress, ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var problems = emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(emitted.Success && problems.Count == 0, string.Join(Environment.NewLine, problems));
        return Assembly.Load(image.ToArray());
    }

    // The framework's assemblies plus this test's own folder (Forge.Core, Semantic Kernel, …), each name once.
    private static IEnumerable<MetadataReference> References()
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
            byName.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        foreach (var path in Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            byName.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        return byName.Values.Select(p => MetadataReference.CreateFromFile(p));
    }
}
