using System.Text.Json;
using Forge.Cli.Commands.Bench;
using Forge.Cli.Tests.Commands.Model;
using Forge.Training.Tokenization.HuggingFace;

namespace Forge.Cli.Tests.Commands.Bench;

/// <summary><c>forge bench tokenizer</c> on the real Qwen3 files, with the real baseline (@lenml/tokenizers under node).</summary>
public sealed class BenchTokenizerCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-bench-tokenizer-test-");

    public void Dispose() => _temp.Delete(recursive: true);

    private static double Median(JsonElement rounds)
    {
        var values = rounds.EnumerateArray().Select(e => e.GetDouble()).Order().ToList();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    [SkippableFact]
    public async Task BenchTokenizer_Json_BothSidesProduceTheIdsForgesTokenizerGivesAndRatesComeFromTheMedianRound()
    {
        var folder = TokenizeCommandTests.RealModel("qwen3");
        Requirement.OnPath("node", "the baseline runs under node");

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "bench", "tokenizer", "--tokenizer", folder, "--kib", "16", "--repeats", "3", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("baseline_failure").ValueKind == JsonValueKind.Null, root.GetProperty("baseline_failure").ToString());
        // The same documents through Forge's tokenizer here: the count and checksum both sides reported.
        var tokenizer = HfTokenizer.Load(folder);
        var ids = TokenizerBenchmark.AgentDocuments(16).Select(d => tokenizer.Encode(d)).ToList();
        Assert.Equal(ids.Sum(i => (long)i.Count), root.GetProperty("tokens").GetInt64());
        foreach (var side in new[] { "forge", "baseline" })
        {
            var row = root.GetProperty(side);
            Assert.Equal(TokenizerBenchmark.Checksum(ids), row.GetProperty("checksum").GetUInt32());
            Assert.Equal(3, row.GetProperty("encode_s_rounds").GetArrayLength());
            Assert.Equal(root.GetProperty("tokens").GetInt64() / Median(row.GetProperty("cold_encode_s_rounds")), row.GetProperty("cold_encode_tokens_per_s").GetDouble(), 6);
            Assert.Equal(root.GetProperty("tokens").GetInt64() / Median(row.GetProperty("encode_s_rounds")), row.GetProperty("encode_tokens_per_s").GetDouble(), 6);
            Assert.Equal(Median(row.GetProperty("load_ms_rounds")), row.GetProperty("load_ms").GetDouble(), 9);
        }
        Assert.True(root.GetProperty("ids_agree").GetBoolean());
        Assert.Equal(root.GetProperty("forge").GetProperty("encode_tokens_per_s").GetDouble() / root.GetProperty("baseline").GetProperty("encode_tokens_per_s").GetDouble(),
            root.GetProperty("encode_speedup").GetDouble(), 9);
    }

    [SkippableFact]
    public async Task BenchTokenizer_NoBaselineInstalled_MeasuresForgeAndSaysWhyThereIsNoBaseline()
    {
        var folder = TokenizeCommandTests.RealModel("qwen3");
        var empty = _temp.CreateSubdirectory("node_modules").FullName;

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "bench", "tokenizer", "--tokenizer", folder, "--node-modules", empty, "--kib", "4", "--repeats", "1", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("forge").GetProperty("encode_tokens_per_s").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("baseline").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("ids_agree").ValueKind);
        Assert.Equal($"{empty} has no @lenml/tokenizers (scripts/install-node-test-deps installs it; or pass --node-modules)", root.GetProperty("baseline_failure").GetString());
    }

    [SkippableFact]
    public async Task BenchTokenizer_BaselineThatFails_ItsErrorIsReportedAndForgeStillMeasured()
    {
        var folder = TokenizeCommandTests.RealModel("qwen3");
        Requirement.OnPath("node", "the baseline runs under node");
        var broken = _temp.CreateSubdirectory("node_modules");
        broken.CreateSubdirectory(Path.Combine("@lenml", "tokenizers"));   // there, but nothing node can load

        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "bench", "tokenizer", "--tokenizer", folder, "--node-modules", broken.FullName, "--kib", "4", "--repeats", "1", "--json");

        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var failure = json.RootElement.GetProperty("baseline_failure").GetString()!;
        Assert.StartsWith("The baseline ", failure);
        Assert.Contains("tokenizer_bench.js exited with 1: ", failure);
        Assert.Contains("@lenml/tokenizers", failure);
        Assert.True(json.RootElement.GetProperty("forge").GetProperty("decode_tokens_per_s").GetDouble() > 0);
    }

    [SkippableFact]
    public async Task BenchTokenizer_CtrlCWhileTheBaselineRuns_Exits130LeavingNoProcessOrFile()
    {
        var folder = TokenizeCommandTests.RealModel("qwen3");
        Requirement.OnPath("node", "the baseline runs under node");
        // The documents file goes under this test's folder (TMPDIR), so the baseline's process can be told by its arguments.
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = _temp.FullName };
        static IEnumerable<int> Baselines(string under) => Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLine(pid).Contains("tokenizer_bench.js", StringComparison.Ordinal) && CommandLine(pid).Contains(under, StringComparison.Ordinal));

        var sawBaseline = false;
        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, ["bench", "tokenizer", "--tokenizer", folder, "--kib", "512", "--repeats", "40"], environment, async pid =>
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!(sawBaseline = Baselines(_temp.FullName).Any()) && waited.Elapsed < TimeSpan.FromSeconds(90)) await Task.Delay(50);
            using var kill = System.Diagnostics.Process.Start("kill", ["-INT", pid.ToString()]);
            await kill.WaitForExitAsync();
        });

        Assert.True(sawBaseline, "the baseline never started");
        Assert.True(code == 130, $"exit {code}: {stderr}");
        Assert.Contains("forge: stopping the benchmark", stderr);
        Assert.Empty(Baselines(_temp.FullName));
        Assert.Empty(_temp.EnumerateFiles());
    }

    private static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    [Fact]
    public async Task BenchTokenizer_FolderWithoutTokenizerJson_ExitsTwoNamingTheOptionAndFile()
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "bench", "tokenizer", "--tokenizer", _temp.FullName);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"forge: --tokenizer: {_temp.FullName} has no tokenizer.json", stderr.Trim());
    }

    [Fact]
    public async Task BenchTokenizer_DefaultTokenizerNotInstalled_ExitsTwoSayingHowToGetIt()
    {
        var empty = _temp.CreateSubdirectory("node_modules").FullName;

        var (code, _, stderr) = await ForgeProcess.RunAsync(_temp.FullName, "bench", "tokenizer", "--node-modules", empty);

        Assert.Equal(2, code);
        Assert.Contains("--tokenizer: the default, Qwen3's tokenizer in", stderr);
        Assert.Contains("scripts/install-node-test-deps", stderr);
    }
}
