using System.Net;

namespace Forge.Serving.Hosting;

/// <summary>How <c>forge serve</c> runs. Defaults: 127.0.0.1:8000, batches of 16, a queue of 256 rows, 8 MiB bodies.</summary>
public sealed record ServeOptions
{
    /// <summary>The checkpoint or Hugging Face folder to serve.</summary>
    public required string ModelDirectory { get; init; }

    /// <summary>The model id clients name (default: the folder's name).</summary>
    public string? ModelName { get; init; }

    /// <summary>The address to bind.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port (0 = any free port).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>Most sequences decoded at once.</summary>
    public int MaxBatch { get; init; } = 16;

    /// <summary>Most rows waiting to join the batch; more are refused with 429.</summary>
    public int MaxQueue { get; init; } = 256;

    /// <summary>Most positions one sequence may span (prompt + reply); null = the model's context.</summary>
    public int? MaxContext { get; init; }

    /// <summary>The API key clients must send as a bearer token; null = none (loopback only).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Most bytes in a request body; larger bodies get 413.</summary>
    public long MaxBodyBytes { get; init; } = 8 << 20;

    /// <summary><c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>
    /// libtorch intra-op threads of the decode loop; null = the process's (the processors). Fewer leave cores to the HTTP
    /// side — reading requests, tokenizing, writing streamed chunks — which otherwise preempts the loop's threads mid-op.
    /// </summary>
    public int? DecodeThreads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid field.</summary>
    public ServeOptions Validate()
    {
        var errors = new List<string>();
        if (Port is < 0 or > 65535) errors.Add($"--port {Port}: expected 0–65535");
        if (MaxBatch < 1) errors.Add($"--max-batch {MaxBatch}: expected ≥ 1");
        if (MaxQueue < 1) errors.Add($"--max-queue {MaxQueue}: expected ≥ 1");
        if (MaxContext is < 2) errors.Add($"--max-context {MaxContext}: expected ≥ 2");
        if (DecodeThreads is < 1) errors.Add($"--decode-threads {DecodeThreads}: expected ≥ 1");
        if (MaxBodyBytes < 1024) errors.Add($"--max-body-bytes {MaxBodyBytes}: expected ≥ 1024");
        if (!IPAddress.TryParse(Host, out var address) && Host != "localhost") errors.Add($"--host {Host}: expected an IP address or localhost");
        else if (ApiKey is null && Host != "localhost" && !IPAddress.IsLoopback(address!))
            errors.Add($"--host {Host}: binding an address other than loopback needs an API key; set one with --api-key-env VAR");
        if (ApiKey is { Length: < 8 }) errors.Add("the API key must have at least 8 characters");
        if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors) + ".");
        return this;
    }
}
