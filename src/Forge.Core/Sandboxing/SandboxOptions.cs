using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Core.Configuration;

namespace Forge.Core;

/// <summary>
/// How sandboxes are made: the backend and the limits every command in them runs under. Read from a scenario's
/// <c>"sandbox"</c> section with <see cref="Parse"/> through the configuration reader (snake_case names, unknown names
/// are errors with "did you mean", the ranges declared here enforced).
/// </summary>
public sealed record SandboxOptions
{
    /// <summary>The backends Forge knows.</summary>
    public static IReadOnlyList<string> Backends { get; } = ["local", "docker"];

    /// <summary><c>local</c> (Linux namespaces, the default) or <c>docker</c>.</summary>
    [Required, AllowedValues("local", "docker")]
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
    [JsonPropertyName("timeout_s")]
    public int TimeoutSeconds { get; init; } = 120;

    /// <summary>Most bytes of stdout and of stderr one command may keep; requests asking for more get this. Default 4 MiB.</summary>
    [Range(1024, int.MaxValue)]
    public int OutputLimitBytes { get; init; } = 4 << 20;

    /// <summary>Sandboxes kept ready ahead of demand (Docker: pre-started containers). Default 4.</summary>
    [Range(0, 1024)]
    public int PoolSize { get; init; } = 4;

    /// <summary>The Docker image (Docker backend only); null for the backend's default.</summary>
    [MinLength(1)]
    public string? Image { get; init; }

    /// <summary>
    /// Run untrusted code even where the machine cannot isolate it (no namespaces, no engine). Off by default: the
    /// provider refuses instead. For trusted code on machines without isolation only.
    /// </summary>
    public bool AllowUnisolated { get; init; }

    /// <summary>The defaults (local backend).</summary>
    public static SandboxOptions Default { get; } = new();

    /// <summary>Every problem with these options (<c>memory_mb: must be between 16 and 1048576 (got 1)</c>), empty when they are valid.</summary>
    public IReadOnlyList<string> Validate() => OptionsValidator.Validate(this).Select(p => p.ToString()).ToList();

    /// <summary>
    /// Reads a scenario's <c>"sandbox"</c> section found in <paramref name="file"/> at <paramref name="path"/>.
    /// Throws <see cref="ConfigException"/> listing every problem at once.
    /// </summary>
    public static SandboxOptions Parse(JsonElement section, string file, string path = "$.sandbox")
    {
        var reader = new ConfigReader(file);
        var options = reader.Bind<SandboxOptions>(section, path);
        reader.ThrowIfProblems();
        return options;
    }
}
