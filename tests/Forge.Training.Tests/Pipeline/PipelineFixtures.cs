using Forge.Host.Registry;
using Forge.Host.Scenarios;

namespace Forge.Training.Tests.Pipeline;

internal static class PipelineFixtures
{
    public static EnvironmentRegistry Registry { get; } = EnvironmentRegistry.Load(Path.Combine(RepoRoot(), "environments.json"));

    public static Scenario Scenario(string trainer, int groupSize = 4, string environments = """[{ "id": "game/vault", "tasks": 50 }]""", string? sandbox = null) =>
        Forge.Host.Scenarios.Scenario.Parse($$"""
            {
              "name": "tiny-vault",
              "seed": 3,
              "environments": {{environments}},
              "agent": { "type": "policy" },
              "group_size": {{groupSize}},
              "concurrency": 8,
              "trainer": {{trainer}},
              {{(sandbox is null ? "" : $"\"sandbox\": {sandbox},")}}
              "output": "runs/tiny"
            }
            """, Path.Combine(RepoRoot(), "scenarios", "tiny-vault.json"));

    public static string TempDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"forge-rl-test-{Guid.NewGuid():n}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "environments.json"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("environments.json not found above " + AppContext.BaseDirectory);
    }
}
