using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Training.Benchmarks;
using Forge.Training.Devices;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// <c>forge bench prefix</c>: generation and a training step on agent-shaped batches whose rows share a long prompt
/// prefix, with every row's whole prompt run (the baseline, as Forge did before) and with the shared prefix run once,
/// alternating in one run (<see cref="SharedPrefixBenchmark"/>).
/// </summary>
internal sealed class BenchPrefixCommand : Command<BenchPrefixCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("auto (CUDA when present, else CPU), cpu, cuda or cuda:N. Default auto.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--repeats <N>")]
        [Description("Timed repetitions of each measurement after one warm-up; the median is reported. Default 5.")]
        public int Repeats { get; init; } = 5;

        [CommandOption("--threads <N>")]
        [Description("CPU threads for TorchSharp (default: TorchSharp's choice).")]
        public int? Threads { get; init; }

        public override ValidationResult Validate() =>
            Repeats is < 1 or > 1000 ? ValidationResult.Error("--repeats must be between 1 and 1000")
            : Threads is < 1 ? ValidationResult.Error("--threads must be at least 1")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = DeviceSelector.Resolve(settings.Device);
        if (settings.Threads is { } threads) torch.set_num_threads(threads);
        var options = new SharedPrefixBenchmarkOptions { Device = device, Repeats = settings.Repeats };
        var progress = settings.Json ? null : new Action<string>(line => AnsiConsole.MarkupLineInterpolated($"[grey]… {line}[/]"));
        var results = new SharedPrefixBenchmark(options).Run(progress);
        var deviceName = device.type == DeviceType.CUDA ? $"cuda:{device.index}" : "cpu";
        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                device = deviceName, threads = torch.get_num_threads(), repeats = settings.Repeats, parameters = options.Config.ParameterCount,
                results = results.Select(r => new
                {
                    name = r.Name, shape = r.Shape, tokens = r.Tokens, whole_prompt_s = r.BeforeSeconds, shared_prefix_s = r.AfterSeconds,
                    whole_prompt_tokens_per_s = r.BeforeTokensPerSecond, shared_prefix_tokens_per_s = r.AfterTokensPerSecond, speedup = r.Speedup,
                }),
            });
            return 0;
        }
        var table = new Table().Title($"forge bench prefix — {deviceName}, {torch.get_num_threads()} threads, {options.Config.ParameterCount / 1e6:N2}M parameters, median of {settings.Repeats}")
            .AddColumns("measure", "rows × (shared + own) tokens", "whole prompt tok/s", "shared prefix once tok/s", "speed-up");
        foreach (var r in results)
            table.AddRow(r.Name, r.Shape, $"{r.BeforeTokensPerSecond:N0}", $"{r.AfterTokensPerSecond:N0}", $"{r.Speedup:N2}×");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("whole prompt = every row's prompt run in full (the baseline); shared prefix once = the tokens all rows begin with run on one row, their keys and values shared.");
        return 0;
    }
}
