using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Core.Configuration;

namespace Forge.Cluster;

/// <summary>
/// How workers find each other and how the driver uses them (a cluster file, or a scenario's <c>"cluster"</c> section),
/// read by the configuration reader: snake_case names, ranges declared here.
/// </summary>
public sealed class ClusterOptions : IValidatableObject
{
    /// <summary>The value of <c>--cluster</c> that means development clustering on this machine.</summary>
    public const string Localhost = "localhost";

    /// <summary>How silos learn of each other: <see cref="Membership.Localhost"/> (one machine, the first worker is the primary) or <see cref="Membership.Redis"/>.</summary>
    public Membership Membership { get; set; } = Membership.Localhost;

    /// <summary>The Redis connection string, for <see cref="Membership.Redis"/> (<c>127.0.0.1:6379</c>).</summary>
    [MinLength(1)]
    public string? Redis { get; set; }

    /// <summary>Which cluster to join: workers and drivers with the same id form one cluster. Default <c>forge</c>.</summary>
    [Required, MinLength(1)]
    public string ClusterId { get; set; } = "forge";

    /// <summary>Most episodes the driver keeps running on one worker at once (never more than the worker's capacity). Default 16.</summary>
    [Range(1, 100_000)]
    public int InFlightPerWorker { get; set; } = 16;

    /// <summary>How many times an episode is dispatched before it is recorded as errored (its worker lost each time). Default 3.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Failed dispatches in a row after which the driver drains a worker (sends it nothing more). Default 3.</summary>
    [Range(1, 1000)]
    public int DrainAfterFailures { get; set; } = 3;

    /// <summary>How long the driver waits for an episode beyond its own episode timeout before it gives the attempt up. Default 30 s.</summary>
    [JsonPropertyName("grace_seconds"), Range(0.0, 86_400.0)]
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a silo waits for a probe reply; three missed probes suspect a silo. Default 2 s.</summary>
    [JsonPropertyName("probe_timeout_seconds"), Range(0.1, 600.0)]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Under localhost clustering: the primary worker's silo port (the first worker takes it; later ones join it). Default 11111.</summary>
    [Range(1, 65535)]
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>Under localhost clustering: the primary worker's gateway port, where drivers connect. Default 30000.</summary>
    [Range(1, 65535)]
    public int PrimaryGatewayPort { get; set; } = 30000;

    /// <summary>Take the silo's address, ports and cluster id from the Kubernetes pod (the worker runs in a pod). Default false.</summary>
    public bool Kubernetes { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Membership == Membership.Redis && string.IsNullOrWhiteSpace(Redis))
            yield return new ValidationResult("is required with \"membership\": \"redis\" (a connection string like \"127.0.0.1:6379\")", [nameof(Redis)]);
    }

    /// <summary>
    /// The options <c>--cluster VALUE</c> names: <c>localhost</c>, or a cluster file (JSON). Throws <see cref="ConfigException"/>
    /// naming the file and JSON path of every problem, <see cref="FileNotFoundException"/> for a file that isn't there.
    /// </summary>
    public static ClusterOptions FromArgument(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (value == Localhost) return new ClusterOptions();
        if (!File.Exists(value)) throw new FileNotFoundException($"Cluster file {value} doesn't exist (give a cluster file or `localhost`).", value);
        var reader = new ConfigReader(value);
        using var document = reader.Parse(File.ReadAllText(value));
        reader.ThrowIfProblems();
        return Parse(document!.RootElement, reader, "$");
    }

    /// <summary>Reads a cluster section at <paramref name="path"/> of <paramref name="file"/>; throws <see cref="ConfigException"/> listing every problem.</summary>
    public static ClusterOptions Parse(JsonElement section, string file, string path) => Parse(section, new ConfigReader(file), path);

    private static ClusterOptions Parse(JsonElement section, ConfigReader reader, string path)
    {
        var options = reader.Bind<ClusterOptions>(section, path);
        reader.ThrowIfProblems();
        return options;
    }
}

/// <summary>How the silos of a cluster learn of each other.</summary>
public enum Membership
{
    /// <summary>Development clustering on one machine: the first worker is the primary silo, on fixed ports.</summary>
    Localhost,
    /// <summary>A membership table in Redis: workers on any number of hosts.</summary>
    Redis,
}
