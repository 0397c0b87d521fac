using System.Text.Json;
using Forge.Host.Scenarios;

namespace Forge.Cluster;

/// <summary>How workers find each other and how the driver uses them (a cluster file, or a scenario's <c>"cluster"</c> section).</summary>
public sealed class ClusterOptions
{
    /// <summary>The value of <c>--cluster</c> that means development clustering on this machine.</summary>
    public const string Localhost = "localhost";

    /// <summary>How silos learn of each other: <see cref="Membership.Localhost"/> (one machine, the first worker is the primary) or <see cref="Membership.Redis"/>.</summary>
    public Membership Membership { get; set; } = Membership.Localhost;

    /// <summary>The Redis connection string, for <see cref="Membership.Redis"/> (<c>127.0.0.1:6379</c>).</summary>
    public string? Redis { get; set; }

    /// <summary>Which cluster to join: workers and drivers with the same id form one cluster. Default <c>forge</c>.</summary>
    public string ClusterId { get; set; } = "forge";

    /// <summary>Most episodes the driver keeps running on one worker at once (never more than the worker's capacity). Default 16.</summary>
    public int InFlightPerWorker { get; set; } = 16;

    /// <summary>How many times an episode is dispatched before it is recorded as errored (its worker lost each time). Default 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Failed dispatches in a row after which the driver drains a worker (sends it nothing more). Default 3.</summary>
    public int DrainAfterFailures { get; set; } = 3;

    /// <summary>How long the driver waits for an episode beyond its own episode timeout before it gives the attempt up. Default 30 s.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a silo waits for a probe reply; three missed probes suspect a silo. Default 2 s.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Under localhost clustering: the primary worker's silo port (the first worker takes it; later ones join it). Default 11111.</summary>
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>Under localhost clustering: the primary worker's gateway port, where drivers connect. Default 30000.</summary>
    public int PrimaryGatewayPort { get; set; } = 30000;

    /// <summary>Take the silo's address, ports and cluster id from the Kubernetes pod (the worker runs in a pod). Default false.</summary>
    public bool Kubernetes { get; set; }

    private static readonly string[] Known = ["membership", "redis", "cluster_id", "in_flight_per_worker", "max_attempts", "drain_after_failures", "grace_seconds", "probe_timeout_seconds", "kubernetes", "primary_silo_port", "primary_gateway_port"];

    private static readonly Dictionary<string, Membership> Memberships = new() { ["localhost"] = Membership.Localhost, ["redis"] = Membership.Redis };

    /// <summary>
    /// The options <c>--cluster VALUE</c> names: <c>localhost</c>, or a cluster file (JSON). Throws <see cref="FormatException"/>
    /// naming the file and JSON path of every problem, <see cref="FileNotFoundException"/> for a file that isn't there.
    /// </summary>
    public static ClusterOptions FromArgument(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        if (value == Localhost) return new ClusterOptions();
        if (!File.Exists(value)) throw new FileNotFoundException($"Cluster file {value} doesn't exist (give a cluster file or `localhost`).", value);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(value), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"{value}: line {e.LineNumber + 1}: invalid JSON", e);
        }
        using (document) return Parse(document.RootElement, value, "$");
    }

    /// <summary>Reads a cluster section at <paramref name="path"/> of <paramref name="file"/>.</summary>
    public static ClusterOptions Parse(JsonElement section, string file, string path)
    {
        var checker = new JsonChecker(file);
        var options = new ClusterOptions();
        if (!checker.IsObject(section, path)) throw new FormatException(string.Join(Environment.NewLine, checker.Problems));
        checker.OnlyKnown(section, path, Known);
        options.Membership = checker.Choice(section, path, "membership", Memberships) ?? Membership.Localhost;
        options.Redis = checker.String(section, path, "redis", required: options.Membership == Membership.Redis);
        options.ClusterId = checker.String(section, path, "cluster_id") ?? options.ClusterId;
        options.InFlightPerWorker = checker.Int(section, path, "in_flight_per_worker", 1, 100_000) ?? options.InFlightPerWorker;
        options.MaxAttempts = checker.Int(section, path, "max_attempts", 1, 100) ?? options.MaxAttempts;
        options.DrainAfterFailures = checker.Int(section, path, "drain_after_failures", 1, 1000) ?? options.DrainAfterFailures;
        if (checker.Number(section, path, "grace_seconds", 0, 86_400) is { } grace) options.Grace = TimeSpan.FromSeconds(grace);
        if (checker.Number(section, path, "probe_timeout_seconds", 0.1, 600) is { } probe) options.ProbeTimeout = TimeSpan.FromSeconds(probe);
        options.PrimarySiloPort = checker.Int(section, path, "primary_silo_port", 1, 65535) ?? options.PrimarySiloPort;
        options.PrimaryGatewayPort = checker.Int(section, path, "primary_gateway_port", 1, 65535) ?? options.PrimaryGatewayPort;
        if (checker.Optional(section, "kubernetes") is { } k)
        {
            if (k.ValueKind is JsonValueKind.True or JsonValueKind.False) options.Kubernetes = k.GetBoolean();
            else checker.Problem(JsonChecker.Child(path, "kubernetes"), $"expected true or false, got {JsonChecker.Describe(k)}");
        }
        if (checker.Problems.Count > 0) throw new FormatException(string.Join(Environment.NewLine, checker.Problems));
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
