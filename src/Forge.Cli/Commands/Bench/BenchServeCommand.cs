using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Forge.Agents.ChatFormat;
using Forge.Serving.Hosting;
using Forge.Training.Checkpoints;
using Forge.Training.Model;
using Forge.Training.Tokenization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// <c>forge bench serve</c>: output tokens/s and p50/p99 time to first token of <c>forge serve</c> at several concurrencies,
/// beside the in-process <c>Generator</c> on the same prompts, with <c>batching_speedup</c> (highest concurrency over one at
/// a time) and <c>server_vs_in_process</c> (server at the highest concurrency over the in-process batch, the median of the
/// rounds' ratios: each round runs the two back to back).
/// </summary>
internal sealed class BenchServeCommand : AsyncCommand<BenchServeCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--checkpoint <DIR>")]
        [Description("A Forge checkpoint to serve. Default: a random model (d_model 256, 4 layers, byte tokenizer) written to a temporary folder.")]
        public string? Checkpoint { get; init; }

        [CommandOption("--d-model <N>")]
        [Description("Width of the random model (without --checkpoint/--model). Default 256.")]
        public int DModel { get; init; } = 256;

        [CommandOption("--layers <N>")]
        [Description("Layers of the random model (without --checkpoint/--model). Default 4.")]
        public int Layers { get; init; } = 4;

        [CommandOption("--model <DIR>")]
        [Description("A Hugging Face model folder to serve instead.")]
        public string? Model { get; init; }

        [CommandOption("--concurrency <LIST>")]
        [Description("Concurrent clients to measure, comma-separated; the first should be 1 (the one-at-a-time baseline). Default 1,8,64.")]
        public string Concurrency { get; init; } = "1,8,64";

        [CommandOption("--requests <N>")]
        [Description("Requests per concurrency (the in-process Generator runs them in batches of the highest concurrency). Default 128.")]
        public int Requests { get; init; } = 128;

        [CommandOption("--max-tokens <N>")]
        [Description("Tokens per reply: every reply has exactly this many (ignore_eos). Default 64.")]
        public int MaxTokens { get; init; } = 64;

        [CommandOption("--rounds <N>")]
        [Description("Times every mode is measured, the modes interleaved; the median round is reported. Default 3.")]
        public int Rounds { get; init; } = 3;

        [CommandOption("--device <DEVICE>")]
        [Description("auto, cpu, cuda or cuda:N. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--decode-threads <N>")]
        [Description("libtorch threads of the server's decode loop (as forge serve --decode-threads). Default: the process's.")]
        public int? DecodeThreads { get; init; }

        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Checkpoint is not null && Model is not null ? ValidationResult.Error("give at most one of --checkpoint and --model.")
            : Requests < 1 ? ValidationResult.Error("--requests must be ≥ 1.")
            : MaxTokens < 1 ? ValidationResult.Error("--max-tokens must be ≥ 1.")
            : DModel < 16 || DModel % 4 != 0 ? ValidationResult.Error("--d-model must be a multiple of 4, ≥ 16.")
            : Layers < 1 ? ValidationResult.Error("--layers must be ≥ 1.")
            : Rounds < 1 ? ValidationResult.Error("--rounds must be ≥ 1.")
            : DecodeThreads is < 1 ? ValidationResult.Error("--decode-threads must be ≥ 1.")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var levels = settings.Concurrency.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(x => int.TryParse(x, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && c >= 1 ? c
                : throw new ArgumentException($"--concurrency: '{x}' is not a positive integer; expected e.g. 1,8,64.")).ToList();
        var temporary = settings.Checkpoint is null && settings.Model is null ? Directory.CreateTempSubdirectory("forge-bench-serve-").FullName : null;
        try
        {
            var directory = settings.Checkpoint ?? settings.Model ?? RandomCheckpoint(temporary!, settings.DModel, settings.Layers);
            var options = new ServeOptions
            {
                ModelDirectory = directory, Port = 0, Device = settings.Device, MaxBatch = levels.Max(), MaxQueue = Math.Max(256, settings.Requests),
                DecodeThreads = settings.DecodeThreads,
            };
            var results = await ServeBenchmark.RunAsync(options, levels, settings.Requests, settings.MaxTokens, settings.Rounds,
                step => { if (!settings.Json) Console.Error.WriteLine($"bench serve: {step}…"); });
            Report(results, levels, settings, directory, options.DecodeThreads ?? TorchSharp.torch.get_num_threads());
            return 0;
        }
        finally
        {
            if (temporary is not null) Directory.Delete(temporary, recursive: true);
        }
    }

    private static string RandomCheckpoint(string directory, int dModel, int layers)
    {
        var tokenizer = new ByteTokenizer(ChatMarkers.All);
        using var model = new CausalTransformer(new TransformerConfig { VocabSize = tokenizer.VocabSize, DModel = dModel, Layers = layers, Heads = 4, FfMult = 4, MaxSeqLen = 512 }, seed: 1);
        var path = Path.Combine(directory, "bench-policy");
        Checkpoint.Save(path, model, tokenizer, new TrainingProgress(0, 0, 1));
        return path;
    }

    private static void Report(IReadOnlyList<ServeMeasurement> results, List<int> levels, Settings settings, string directory, int decodeThreads)
    {
        var server = results.Where(r => r.Mode == "server").ToList();
        var inProcess = results.Where(r => r.Mode == "in_process").MaxBy(r => r.Concurrency)!;
        var inProcessOne = results.FirstOrDefault(r => r.Mode == "in_process" && r.Concurrency == 1);
        double? ceiling = inProcessOne is null || inProcessOne == inProcess ? null : inProcess.TokensPerSecond / inProcessOne.TokensPerSecond;
        var one = server.FirstOrDefault(r => r.Concurrency == 1);
        var top = server.MaxBy(r => r.Concurrency)!;
        double? speedup = one is null ? null : top.TokensPerSecond / one.TokensPerSecond;
        var (ratioRounds, ratio) = ServeBenchmark.PairedRatio(top, inProcess);
        if (settings.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["model"] = directory, ["requests"] = settings.Requests, ["max_tokens"] = settings.MaxTokens, ["rounds"] = settings.Rounds,
                ["decode_threads"] = decodeThreads, ["in_process_threads"] = TorchSharp.torch.get_num_threads(),
                ["results"] = results.Select(r => new Dictionary<string, object?>
                {
                    ["mode"] = r.Mode, ["concurrency"] = r.Concurrency, ["requests"] = r.Requests, ["output_tokens"] = r.OutputTokens,
                    ["seconds"] = Math.Round(r.Seconds, 3), ["tokens_per_second"] = Math.Round(r.TokensPerSecond, 1),
                    ["tokens_per_second_rounds"] = r.RoundTokensPerSecond.Select(x => Math.Round(x, 1)).ToList(),
                    ["cpu_ms_per_token"] = Math.Round(r.CpuMsPerToken, 3),
                    ["ttft_p50_ms"] = r.TtftP50Ms is { } p50 ? Math.Round(p50, 1) : null, ["ttft_p99_ms"] = r.TtftP99Ms is { } p99 ? Math.Round(p99, 1) : null,
                }).ToList(),
                [$"server_vs_in_process_at_{top.Concurrency}"] = Math.Round(ratio, 3),
                ["server_vs_in_process_rounds"] = ratioRounds.Select(x => Math.Round(x, 3)).ToList(),
                ["batching_speedup"] = speedup is { } s ? Math.Round(s, 2) : null,
                ["in_process_batching_speedup"] = ceiling is { } b ? Math.Round(b, 2) : null,
            }));
            return;
        }
        var table = new Table().AddColumns("mode", "concurrency", "requests", "tokens", "s", "tokens/s", "CPU ms/token", "TTFT p50 ms", "TTFT p99 ms");
        foreach (var r in results)
            table.AddRow(r.Mode, r.Concurrency.ToString(CultureInfo.InvariantCulture), r.Requests.ToString(CultureInfo.InvariantCulture), r.OutputTokens.ToString(CultureInfo.InvariantCulture),
                r.Seconds.ToString("0.00", CultureInfo.InvariantCulture), r.TokensPerSecond.ToString("0.0", CultureInfo.InvariantCulture),
                r.CpuMsPerToken.ToString("0.000", CultureInfo.InvariantCulture), r.TtftP50Ms?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-", r.TtftP99Ms?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-");
        AnsiConsole.Write(table);
        Console.Out.WriteLine($"batching speedup ({top.Concurrency} concurrent vs one at a time): {(speedup is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "n/a (no concurrency 1)")}");
        Console.Out.WriteLine($"server at {top.Concurrency} vs in-process Generator batch of {inProcess.Concurrency}: {ratio.ToString("0.00", CultureInfo.InvariantCulture)}, median of the rounds' "
            + $"back-to-back ratios ({string.Join(", ", ratioRounds.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}; libtorch threads: server decode loop {decodeThreads}, in process {TorchSharp.torch.get_num_threads()})");
        if (ceiling is { } c)
            Console.Out.WriteLine($"in-process batching speedup (Generator, batches of {inProcess.Concurrency} vs 1): {c.ToString("0.00", CultureInfo.InvariantCulture)}× — what batching alone gives this model here");
    }
}
