using System.ComponentModel;
using Forge.Serving.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Serve;

/// <summary>
/// <c>forge serve (--checkpoint DIR | --model DIR) [--host 127.0.0.1] [--port 8000] [--max-batch N] [--api-key-env VAR]</c>:
/// the policy behind an OpenAI-compatible endpoint until Ctrl+C.
/// </summary>
internal sealed class ServeCommand : AsyncCommand<ServeCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <DIR>")]
        [Description("A Forge checkpoint folder (checkpoint.json) to serve.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--model <DIR>")]
        [Description("A Hugging Face model folder (config.json, tokenizer.json, chat template) to serve.")]
        public string? Model { get; init; }

        [CommandOption("--host <ADDRESS>")]
        [Description("Address to bind. Default 127.0.0.1; any other address needs --api-key-env.")]
        public string Host { get; init; } = "127.0.0.1";

        [CommandOption("--port <PORT>")]
        [Description("Port. Default 8000 (0 = any free port).")]
        public int Port { get; init; } = 8000;

        [CommandOption("--max-batch <N>")]
        [Description("Most sequences decoded together (continuous batching). Default 16.")]
        public int MaxBatch { get; init; } = 16;

        [CommandOption("--max-queue <N>")]
        [Description("Most sequences waiting to join the batch; more get 429 with Retry-After. Default 256.")]
        public int MaxQueue { get; init; } = 256;

        [CommandOption("--max-context <TOKENS>")]
        [Description("Most tokens per sequence (prompt + reply). Default: the model's context.")]
        public int? MaxContext { get; init; }

        [CommandOption("--api-key-env <VAR>")]
        [Description("Environment variable holding the API key clients must send (Authorization: Bearer KEY); also enables /v1/admin/load.")]
        public string? ApiKeyEnv { get; init; }

        [CommandOption("--name <ID>")]
        [Description("The model id clients name. Default: the folder's name.")]
        public string? Name { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda, cuda:N or auto. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--decode-threads <N>")]
        [Description("libtorch threads of the decode loop. Default: the process's (the processors); fewer leave cores to the HTTP side.")]
        public int? DecodeThreads { get; init; }

        [CommandOption("--max-body-bytes <BYTES>")]
        [Description("Largest request body accepted (413 beyond). Default 8388608.")]
        public long MaxBodyBytes { get; init; } = 8 << 20;

        public override ValidationResult Validate()
        {
            if ((Checkpoint is null) == (Model is null)) return ValidationResult.Error("give exactly one of --checkpoint DIR or --model DIR.");
            if (ApiKeyEnv is not null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ApiKeyEnv)))
                return ValidationResult.Error($"--api-key-env {ApiKeyEnv}: the environment variable is not set or empty.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var directory = (settings.Checkpoint ?? settings.Model)!;
        var flag = settings.Checkpoint is null ? "--model" : "--checkpoint";
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{flag} {directory}: folder not found.");
        var marker = settings.Checkpoint is null ? "config.json" : "checkpoint.json";
        if (!File.Exists(Path.Combine(directory, marker)))
            throw new FileNotFoundException($"{flag} {directory}: no {marker} there; {flag} takes {(settings.Checkpoint is null ? "a Hugging Face model folder" : "a Forge checkpoint folder")}.");
        var options = new ServeOptions
        {
            ModelDirectory = directory, ModelName = settings.Name, Host = settings.Host, Port = settings.Port, MaxBatch = settings.MaxBatch,
            MaxQueue = settings.MaxQueue, MaxContext = settings.MaxContext, Device = settings.Device, MaxBodyBytes = settings.MaxBodyBytes,
            DecodeThreads = settings.DecodeThreads,
            ApiKey = settings.ApiKeyEnv is null ? null : Environment.GetEnvironmentVariable(settings.ApiKeyEnv),
        }.Validate();

        using var stop = StopSignals.Watch(cancellationToken, "stopping; the server finishes and exits");
        ServeHost started;
        try
        {
            started = await ServeHost.StartAsync(options, stop.Token);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return CliErrors.BadInput;
        }
        await using var host = started;
        Console.Error.WriteLine($"forge serve: listening on {host.Address} (OpenAI base URL {host.Address}v1), loading {directory} as '{host.ModelName}'…");
        try
        {
            await host.Loaded.WaitAsync(stop.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Console.Error.WriteLine($"forge: {directory}: {e.Message}");
            return CliErrors.BadInput;
        }
        Console.Error.WriteLine($"forge serve: ready at {host.Address}v1, model '{host.ModelName}', policy version {host.PolicyVersion}.");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        return 0;
    }
}
