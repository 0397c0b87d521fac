namespace Forge.Host.Tests.Registry;

/// <summary>A registry file and its task files in a temporary folder that is deleted on dispose.</summary>
internal sealed class TempRegistry : IDisposable
{
    public const string EchoEntry = """
        {
          "assembly": "Forge.Host.Tests",
          "tasks": { "file": "tasks/echo.jsonl" }
        }
        """;

    public const string EchoTasks = """
        {"id": "a", "word": "apple"}
        // a comment line
        {"id": "b", "word": "river"}

        {"id": "c", "word": "stone"}
        """;

    public TempRegistry(string environmentsJson, string? echoTasks = EchoTasks)
    {
        Folder = Directory.CreateTempSubdirectory("forge-registry-test-").FullName;
        Path = System.IO.Path.Combine(Folder, "environments.json");
        File.WriteAllText(Path, environmentsJson);
        if (echoTasks is not null) Write("tasks/echo.jsonl", echoTasks);
    }

    /// <summary>A registry with one entry, <paramref name="id"/> → <paramref name="entry"/>.</summary>
    public static TempRegistry With(string id, string entry, string? echoTasks = EchoTasks) =>
        new($$"""{ "schema_version": 2, "environments": { "{{id}}": {{entry}} } }""", echoTasks);

    public string Folder { get; }

    public string Path { get; }

    public void Write(string relativePath, string content)
    {
        var full = System.IO.Path.Combine(Folder, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
