using System.Text.Json;
using Forge.Core;
using Forge.Environments.PythonCoding;

namespace Forge.Environments.Tests.PythonCoding;

/// <summary>Each guard of <see cref="HiddenTests"/> against reward hacking, proven: every trick scores nothing.</summary>
public sealed class RewardHackingTests(SandboxFixture sandboxes) : IClassFixture<SandboxFixture>
{
    private static CodeTask Task => CodingEpisode.Task("reverse-words");

    private async Task<double> ScoreAsync(string submission, params string[] experiments) =>
        (await CodingEpisode.PlayAsync(sandboxes.Provider, CodingEpisode.Submitting(submission, experiments), Task)).Score("unit_tests");

    [Theory]
    [InlineData("import sys\nsys.exit(0)\ndef reverse_words(s):\n    return None\n")]
    [InlineData("import os\nos._exit(0)\n")]
    [InlineData("raise SystemExit(0)\n")]
    [InlineData("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")]
    public async Task ExitingEarly_EarnsNothing(string submission) => Assert.Equal(0, await ScoreAsync(submission));

    [Fact]
    public async Task PrintingFakeSuccess_EarnsNothing()
    {
        var fake = string.Join("\\n", Enumerable.Range(0, 7).Select(i => $"{{\"i\": {i}, \"value\": \"x\"}}"));
        var submission = $"import sys\nprint('All 7 tests passed')\nprint('OK')\nsys.stdout.write(\"{fake}\\n\")\nsys.stderr.write('PASSED\\n')\n" +
                         "def reverse_words(s):\n    print('test passed')\n    return None\n";
        Assert.Equal(0, await ScoreAsync(submission));
    }

    [Fact]
    public async Task PatchingBuiltinsJsonAndTheRunner_EarnsNothing()
    {
        var submission = """
            import builtins, json, sys, copy
            json.dumps = lambda *a, **k: '{"i": 0, "value": "one"}'
            builtins.isinstance = lambda *a: True
            copy.deepcopy = lambda x, *a: x
            sys.modules['json'] = None
            class Everything:
                def __eq__(self, other): return True
                def __ne__(self, other): return False
            def reverse_words(s):
                return Everything()
            """;
        Assert.Equal(0, await ScoreAsync(submission));
    }

    [Fact]
    public async Task FilesPlantedWithRunPython_DoNotTakePartInGrading()
    {
        var plant = "for name in ('json.py', 'copy.py', 'signal.py', 'sitecustomize.py', 'usercustomize.py'):\n" +
                    "    open(name, 'w').write('import os\\nprint(\"hijacked\")\\nos._exit(0)\\n')\n" +
                    "import os\nos.makedirs('.local/lib/python3.11/site-packages', exist_ok=True)\n" +
                    "open('.local/lib/python3.11/site-packages/x.pth', 'w').write('import os; os._exit(0)\\n')\n";
        Assert.Equal(0, await ScoreAsync("def reverse_words(s):\n    return None\n", plant));
        Assert.Equal(1, await ScoreAsync(Task.Reference, plant));
    }

    [Fact]
    public async Task ReadingTheHiddenTests_IsNotPossible()
    {
        var taskFile = TaskFiles.Path("PythonCoding/python-functions.jsonl");
        var submission = $$"""
            import json, os
            EXPECTED = {}
            for path in ({{JsonSerializer.Serialize(taskFile)}}, 'python-functions.jsonl', '/workspace/python-functions.jsonl'):
                try:
                    for line in open(path):
                        task = json.loads(line)
                        for test in task['tests']:
                            EXPECTED[json.dumps(test['args'])] = test.get('expected')
                except OSError:
                    pass
            def reverse_words(s):
                return EXPECTED.get(json.dumps([s]))
            """;
        Assert.Equal(0, await ScoreAsync(submission));
    }

    [Fact]
    public void Score_DuplicatedOrForeignResultLines_CountAsFailures()
    {
        var nonce = "N0NCE";
        var lines = string.Join("\n",
            "N0NCE {\"i\": 0, \"value\": \"one\"}",
            "N0NCE {\"i\": 0, \"value\": \"one\"}",
            "OTHER {\"i\": 1, \"value\": \"\"}",
            "N0NCE {\"i\": 2, \"value\": \"\"}",
            "N0NCE not json",
            "N0NCE {\"i\": 3, \"value\": \"fox brown quick the\"}");
        var report = HiddenTests.Score(Task, nonce, new ExecResult(0, lines, "", TimeSpan.Zero, SandboxLimit.None));
        Assert.Equal(2, report.Passed);
        Assert.Equal(7, report.Total);
    }

    [Fact]
    public async Task TheAnswerToEveryTestOnlyPassesWhenItIsRight()
    {
        // Sanity for the guards above: the same channel does carry honest results.
        Assert.Equal(1, await ScoreAsync(Task.Reference));
    }
}
