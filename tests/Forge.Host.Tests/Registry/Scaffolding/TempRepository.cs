namespace Forge.Host.Tests.Registry.Scaffolding;

/// <summary>A folder that looks like a Forge repository to the scaffold (it has environments/Forge.Environments.csproj); deleted on dispose.</summary>
internal sealed class TempRepository : IDisposable
{
    public TempRepository(string? environmentsJson = null)
    {
        Root = Directory.CreateTempSubdirectory("forge-scaffold-test-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "environments"));
        File.WriteAllText(Path.Combine(Root, "environments", "Forge.Environments.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        if (environmentsJson is not null) File.WriteAllText(RegistryPath, environmentsJson);
    }

    public string Root { get; }

    public string RegistryPath => Path.Combine(Root, "environments.json");

    public string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
