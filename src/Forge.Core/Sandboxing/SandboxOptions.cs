using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Forge.Core;

/// <summary>
/// How sandboxes are made: the backend and the limits every command in them runs under. Read from a scenario's
/// <c>"sandbox"</c> section with <see cref="Parse"/> (snake_case names, unknown names are errors).
/// </summary>
public sealed record SandboxOptions
{
    /// <summary>The backends Forge knows.</summary>
    public static IReadOnlyList<string> Backends { get; } = ["local", "docker"];

    /// <summary><c>local</c> (Linux namespaces, the default) or <c>docker</c>.</summary>
    public string Backend { get; init; } = "local";

    /// <summary>Memory of the whole sandbox, in MiB (cgroup where available, else per process). Default 256.</summary>
    [Range(16, 1 << 20)]
    public int MemoryMb { get; init; } = 256;

    /// <summary>CPU time one process may use, in seconds. Default 30.</summary>
    [Range(1, 86_400)]
    public int CpuSeconds { get; init; } = 30;

    /// <summary>Most processes (and threads) alive at once in the sandbox. Default 64.</summary>
    [Range(4, 100_000)]
    public int MaxProcesses { get; init; } = 64;

    /// <summary>Largest file a command may write, in MiB. Default 64.</summary>
    [Range(1, 1 << 20)]
    public int MaxFileSizeMb { get; init; } = 64;

    /// <summary>Longest wall-clock deadline of one command, in seconds; requests asking for more get this. Default 120.</summary>
    [Range(1, 86_400)]
    public int TimeoutSeconds { get; init; } = 120;

    /// <summary>Most bytes of stdout and of stderr one command may keep; requests asking for more get this. Default 4 MiB.</summary>
    [Range(1024, int.MaxValue)]
    public int OutputLimitBytes { get; init; } = 4 << 20;

    /// <summary>Sandboxes kept ready ahead of demand (Docker: pre-started containers). Default 4.</summary>
    [Range(0, 1024)]
    public int PoolSize { get; init; } = 4;

    /// <summary>The Docker image (Docker backend only); null for the backend's default.</summary>
    public string? Image { get; init; }

    /// <summary>
    /// Run untrusted code even where the machine cannot isolate it (no namespaces, no engine). Off by default: the
    /// provider refuses instead. For trusted code on machines without isolation only.
    /// </summary>
    public bool AllowUnisolated { get; init; }

    /// <summary>The defaults (local backend).</summary>
    public static SandboxOptions Default { get; } = new();

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Backends.Contains(Backend)) errors.Add($"backend: unknown backend '{Backend}'; use {string.Join(" or ", Backends.Select(b => $"'{b}'"))}");
        foreach (var property in typeof(SandboxOptions).GetProperties())
        {
            if (property.GetCustomAttributes(typeof(RangeAttribute), false).FirstOrDefault() is not RangeAttribute range) continue;
            var value = (int)property.GetValue(this)!;
            if (value < (int)range.Minimum || value > (int)range.Maximum)
                errors.Add($"{JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name)}: {value} is outside [{range.Minimum}, {range.Maximum}]");
        }
        if (Image is { Length: 0 }) errors.Add("image: must not be empty");
        return errors;
    }

    /// <summary>
    /// Reads a scenario's <c>"sandbox"</c> section. <paramref name="where"/> names it in errors (<c>scenarios/x.json: $.sandbox</c>).
    /// Throws <see cref="FormatException"/> listing every problem at once.
    /// </summary>
    public static SandboxOptions Parse(JsonElement section, string where = "$.sandbox")
    {
        if (section.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{where}: expected an object, got {section.ValueKind.ToString().ToLowerInvariant()}");
        var errors = new List<string>();
        var options = Default;
        foreach (var property in section.EnumerateObject())
        {
            var path = $"{where}.{property.Name}";
            var value = property.Value;
            switch (property.Name)
            {
                case "backend": options = options with { Backend = ReadString(value, path, errors) ?? options.Backend }; break;
                case "memory_mb": options = options with { MemoryMb = ReadInt(value, path, errors) ?? options.MemoryMb }; break;
                case "cpu_seconds": options = options with { CpuSeconds = ReadInt(value, path, errors) ?? options.CpuSeconds }; break;
                case "max_processes": options = options with { MaxProcesses = ReadInt(value, path, errors) ?? options.MaxProcesses }; break;
                case "max_file_size_mb": options = options with { MaxFileSizeMb = ReadInt(value, path, errors) ?? options.MaxFileSizeMb }; break;
                case "timeout_s": options = options with { TimeoutSeconds = ReadInt(value, path, errors) ?? options.TimeoutSeconds }; break;
                case "output_limit_bytes": options = options with { OutputLimitBytes = ReadInt(value, path, errors) ?? options.OutputLimitBytes }; break;
                case "pool_size": options = options with { PoolSize = ReadInt(value, path, errors) ?? options.PoolSize }; break;
                case "image": options = options with { Image = ReadString(value, path, errors) }; break;
                case "allow_unisolated":
                    if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) options = options with { AllowUnisolated = value.GetBoolean() };
                    else errors.Add($"{path}: expected true or false");
                    break;
                default:
                    var suggestion = Suggest(property.Name);
                    errors.Add($"{path}: unknown property" + (suggestion is null ? $"; known: {string.Join(", ", Known)}" : $". Did you mean '{suggestion}'?"));
                    break;
            }
        }
        errors.AddRange(options.Validate().Select(e => $"{where}.{e}"));
        if (errors.Count > 0) throw new FormatException(string.Join(System.Environment.NewLine, errors));
        return options;
    }

    private static readonly string[] Known =
        ["backend", "memory_mb", "cpu_seconds", "max_processes", "max_file_size_mb", "timeout_s", "output_limit_bytes", "pool_size", "image", "allow_unisolated"];

    private static string? ReadString(JsonElement value, string path, List<string> errors)
    {
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        errors.Add($"{path}: expected a string");
        return null;
    }

    private static int? ReadInt(JsonElement value, string path, List<string> errors)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n)) return n;
        errors.Add($"{path}: expected a whole number");
        return null;
    }

    private static string? Suggest(string name) =>
        Known.Select(k => (k, d: Distance(k, name))).Where(x => x.d <= Math.Max(2, name.Length / 3)).OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }
}
