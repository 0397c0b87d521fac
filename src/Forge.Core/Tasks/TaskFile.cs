using System.Text.Json;

namespace Forge.Core;

/// <summary>Reads tasks from JSON lines: one task object per line, snake_case property names, blank lines and <c>//</c> comments ignored.</summary>
public static class TaskFile
{
    /// <summary>The options tasks are read with.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Reads every task of <paramref name="path"/>; throws <see cref="FormatException"/> naming the file and line of each problem.</summary>
    public static IReadOnlyList<TTask> Read<TTask>(string path) where TTask : IEnvironmentTask
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Task file {path} doesn't exist.", path);
        var tasks = new List<TTask>();
        var errors = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith("//", StringComparison.Ordinal)) continue;
            try
            {
                var task = JsonSerializer.Deserialize<TTask>(trimmed, JsonOptions);
                if (task is null) { errors.Add($"{path}:{lineNumber}: null is not a task"); continue; }
                if (string.IsNullOrWhiteSpace(task.Id)) { errors.Add($"{path}:{lineNumber}: the task has no id"); continue; }
                if (!ids.Add(task.Id)) { errors.Add($"{path}:{lineNumber}: the id '{task.Id}' is used twice"); continue; }
                tasks.Add(task);
            }
            catch (JsonException e)
            {
                errors.Add($"{path}:{lineNumber}: {e.Message}");
            }
        }
        if (errors.Count > 0) throw new FormatException(string.Join(Environment.NewLine, errors));
        return tasks;
    }
}
