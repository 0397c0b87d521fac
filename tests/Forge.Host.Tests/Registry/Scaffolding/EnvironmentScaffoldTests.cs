using System.Text.Json.Nodes;
using Forge.Host.Registry.Scaffolding;

namespace Forge.Host.Tests.Registry.Scaffolding;

public sealed class EnvironmentScaffoldTests
{
    [Fact]
    public void Create_PlainName_WritesTheFilesAndACustomEntry()
    {
        using var repository = new TempRepository();

        var result = EnvironmentScaffold.Create(repository.Root, "demo");

        Assert.Equal("custom/demo", result.Id);
        Assert.Equal("Forge.Environments.Demo.DemoEnvironment", result.TypeName);
        Assert.Equal(["environments/Demo/DemoEnvironment.cs", "environments/Demo/DemoSolver.cs", "environments/Demo/tasks.jsonl"], result.Files);
        Assert.Contains("[Environment(\"custom/demo\", Version = \"1\"", repository.Read("environments/Demo/DemoEnvironment.cs"));
        Assert.Contains("public sealed class DemoEnvironment : ToolEnvironment<DemoTask>", repository.Read("environments/Demo/DemoEnvironment.cs"));
        Assert.Contains("public string Id => \"scripted/demo\";", repository.Read("environments/Demo/DemoSolver.cs"));
        Assert.DoesNotContain("{{", repository.Read("environments/Demo/DemoEnvironment.cs") + repository.Read("environments/Demo/DemoSolver.cs"));

        var entry = JsonNode.Parse(repository.Read("environments.json"))!["environments"]!["custom/demo"]!;
        Assert.Null(entry["type"]);
        Assert.Null(entry["solver"]);
        Assert.Contains("Solver = typeof(DemoSolver)", repository.Read("environments/Demo/DemoEnvironment.cs"));
        Assert.Equal("environments/Demo/tasks.jsonl", (string?)entry["tasks"]!["file"]);
        Assert.Equal(2, (int?)JsonNode.Parse(repository.Read("environments.json"))!["schema_version"]);
    }

    [Theory]
    [InlineData("games/word-chain", "games/word-chain", "WordChain")]
    [InlineData("my-2nd-env", "custom/my-2nd-env", "My2ndEnv")]
    [InlineData("x", "custom/x", "X")]
    public void Create_Name_GivesTheIdAndClassName(string name, string id, string pascal)
    {
        using var repository = new TempRepository();

        var result = EnvironmentScaffold.Create(repository.Root, name);

        Assert.Equal(id, result.Id);
        Assert.Equal($"Forge.Environments.{pascal}.{pascal}Environment", result.TypeName);
        Assert.True(File.Exists(Path.Combine(repository.Root, "environments", pascal, $"{pascal}Environment.cs")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Demo")]
    [InlineData("my_env")]
    [InlineData("-demo")]
    [InlineData("demo-")]
    [InlineData("de--mo")]
    [InlineData("2demo")]
    [InlineData("a/b/c")]
    [InlineData("a//b")]
    [InlineData("../demo")]
    public void Create_InvalidName_ThrowsAndWritesNothing(string name)
    {
        using var repository = new TempRepository();

        var error = Assert.Throws<ArgumentException>(() => EnvironmentScaffold.Create(repository.Root, name));

        Assert.Contains($"'{name}' is not a valid environment name", error.Message);
        Assert.False(File.Exists(repository.RegistryPath));
    }

    [Fact]
    public void Create_ExistingRegistry_KeepsItsEntries()
    {
        using var repository = new TempRepository("""
            // comments are dropped on rewrite; entries are kept
            { "schema_version": 2, "environments": { "math/arithmetic": { "tasks": { "file": "a.jsonl" } } } }
            """);

        EnvironmentScaffold.Create(repository.Root, "demo");

        var environments = JsonNode.Parse(repository.Read("environments.json"))!["environments"]!.AsObject();
        Assert.Equal(["math/arithmetic", "custom/demo"], environments.Select(p => p.Key));
        Assert.Equal("a.jsonl", (string?)environments["math/arithmetic"]!["tasks"]!["file"]);
    }

    [Fact]
    public void Create_FilesExist_RefusesWithoutForceAndOverwritesWithIt()
    {
        using var repository = new TempRepository();
        EnvironmentScaffold.Create(repository.Root, "demo");
        var environmentFile = Path.Combine(repository.Root, "environments", "Demo", "DemoEnvironment.cs");
        File.WriteAllText(environmentFile, "// edited");

        var error = Assert.Throws<InvalidOperationException>(() => EnvironmentScaffold.Create(repository.Root, "demo"));
        Assert.Contains("environments/Demo/DemoEnvironment.cs, environments/Demo/DemoSolver.cs, environments/Demo/tasks.jsonl already exist", error.Message);
        Assert.Contains("--force", error.Message);
        Assert.Equal("// edited", File.ReadAllText(environmentFile));

        EnvironmentScaffold.Create(repository.Root, "demo", force: true);
        Assert.Contains("DemoEnvironment", File.ReadAllText(environmentFile));
    }

    [Fact]
    public void Create_EntryExists_RefusesWithoutForce()
    {
        using var repository = new TempRepository("""{ "schema_version": 2, "environments": { "custom/demo": { } } }""");

        var error = Assert.Throws<InvalidOperationException>(() => EnvironmentScaffold.Create(repository.Root, "demo"));

        Assert.Equal("environments.json already registers 'custom/demo'; pick another name, or pass --force to overwrite.", error.Message);
        Assert.False(Directory.Exists(Path.Combine(repository.Root, "environments", "Demo")));
    }

    [Fact]
    public void Create_NotARepository_SaysWhereToRunIt()
    {
        var folder = Directory.CreateTempSubdirectory("forge-not-a-repo-").FullName;
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => EnvironmentScaffold.Create(folder, "demo"));

            Assert.Contains("is not a Forge repository (no environments/Forge.Environments.csproj)", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Create_BrokenRegistry_ThrowsBeforeWritingFiles()
    {
        using var repository = new TempRepository("{ \"schema_version\": 1, ");

        var error = Assert.Throws<FormatException>(() => EnvironmentScaffold.Create(repository.Root, "demo"));

        Assert.Contains("environments.json:", error.Message);
        Assert.False(Directory.Exists(Path.Combine(repository.Root, "environments", "Demo")));
    }
}
