using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Serving.Hosting;
using Forge.Serving.Tests.Models;

namespace Forge.Serving.Tests;

/// <summary>A server on a free loopback port over a model folder, with a plain HTTP client; dispose to stop it and delete the folder.</summary>
public sealed class ServedModel : IAsyncDisposable
{
    private readonly string _folder;

    private ServedModel(ServeHost host, string folder, string? apiKey)
    {
        Host = host;
        _folder = folder;
        Http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null) Http.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
    }

    public ServeHost Host { get; }

    public HttpClient Http { get; }

    /// <summary>The OpenAI base URL: http://127.0.0.1:PORT/v1.</summary>
    public Uri V1 => new(Host.Address, "v1");

    public string Model => Host.ModelName;

    /// <summary>Writes a model with <paramref name="write"/> into a new temporary folder and serves it.</summary>
    public static async Task<ServedModel> StartAsync(Func<string, string> write, Func<ServeOptions, ServeOptions>? configure = null, Task? loadGate = null)
    {
        var root = Directory.CreateTempSubdirectory("forge-serve-").FullName;
        var folder = write(Path.Combine(root, "tiny"));
        var options = new ServeOptions { ModelDirectory = folder, Port = 0, Device = "cpu", MaxBatch = 8 };
        options = configure?.Invoke(options) ?? options;
        var host = await ServeHost.StartAsync(options, loadGate);
        if (loadGate is null) await host.Loaded;
        return new ServedModel(host, root, options.ApiKey);
    }

    public static Task<ServedModel> ScriptedAsync(Func<ServeOptions, ServeOptions>? configure = null) =>
        StartAsync(dir => TestModels.ScriptedCheckpoint(dir), configure);

    public static Task<ServedModel> RandomAsync(Func<ServeOptions, ServeOptions>? configure = null, int context = 512) =>
        StartAsync(dir => TestModels.RandomCheckpoint(dir, context: context), configure);

    /// <summary>POSTs JSON to <paramref name="path"/> (relative to the server's root).</summary>
    public async Task<(HttpResponseMessage Response, JsonNode? Body)> PostAsync(string path, JsonNode body, CancellationToken cancellationToken = default)
    {
        var response = await Http.PostAsJsonAsync(path, body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return (response, text.Length == 0 || text.StartsWith("data:", StringComparison.Ordinal) ? null : JsonNode.Parse(text));
    }

    /// <summary>A chat request body for this server's model.</summary>
    public JsonObject Chat(string user = "Hello", int maxTokens = 16, long? seed = 1) => new()
    {
        ["model"] = Model, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user }),
        ["max_tokens"] = maxTokens, ["seed"] = seed,
    };

    public async Task<JsonElement> HealthAsync()
    {
        using var response = await Http.GetAsync("health");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
