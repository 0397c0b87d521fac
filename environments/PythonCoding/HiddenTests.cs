using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Environments.PythonCoding;

/// <summary>
/// Grades a submission on a task's hidden tests. The guards against reward hacking, each with a test:
/// <list type="bullet">
/// <item>The expected results never enter the sandbox: the sandbox only computes the submission's outputs, and they are
/// compared here, on the host. Printing "all tests passed", patching builtins, the test runner or the comparison, or
/// returning objects that claim to equal anything earns nothing.</item>
/// <item>The tests run in a fresh interpreter (<c>python3 -I</c>: no site customisation, no current folder on the path, no
/// PYTHON* variables), not in the warm interpreter the agent experimented in, so nothing planted there takes part.</item>
/// <item>Results travel on a private copy of stdout, one line per test, each starting with a random nonce made for this
/// grading; the submission's own prints go to stderr. A test reported twice counts as failed; a test not reported
/// (the submission exited, crashed or hung at import or during the tests) counts as failed.</item>
/// </list>
/// </summary>
internal static class HiddenTests
{
    /// <summary>The trusted half that runs in the sandbox: loads the submission, calls the function on each test's arguments, reports the outputs.</summary>
    internal const string Harness = """
        import copy, json, os, signal, sys
        def main():
            data = json.loads(sys.stdin.read())
            nonce, dumps, deepcopy = data["nonce"], json.dumps, copy.deepcopy
            channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
            os.dup2(2, 1)
            def emit(obj):
                channel.write(nonce + " " + dumps(obj) + "\n")
                channel.flush()
            namespace = {"__name__": "solution"}
            try:
                exec(compile(data["code"], "solution.py", "exec"), namespace)
            except BaseException as e:
                emit({"load_error": "%s: %s" % (type(e).__name__, str(e)[:300])})
                return
            fn = namespace.get(data["function"])
            if not callable(fn):
                emit({"load_error": "the submission defines no function named %s" % data["function"]})
                return
            def on_alarm(signum, frame):
                raise TimeoutError("the test took longer than %s s" % data["per_test_timeout"])
            signal.signal(signal.SIGALRM, on_alarm)
            for i, args in enumerate(data["tests"]):
                try:
                    signal.setitimer(signal.ITIMER_REAL, data["per_test_timeout"])
                    value = fn(*deepcopy(args))
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    emit({"i": i, "value": value})
                except BaseException as e:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    emit({"i": i, "error": type(e).__name__})
        main()
        """;

    /// <summary>Runs <paramref name="code"/> against <paramref name="task"/>'s hidden tests in <paramref name="sandbox"/>.</summary>
    public static async Task<GradeReport> GradeAsync(ISandbox sandbox, CodeTask task, string code, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var input = new JsonObject
        {
            ["nonce"] = nonce,
            ["code"] = code,
            ["function"] = task.Function,
            ["per_test_timeout"] = 2.0,
            ["tests"] = new JsonArray(task.Tests.Select(t => (JsonNode)new JsonArray(t.Args.Select(a => JsonNode.Parse(a.GetRawText())).ToArray())).ToArray()),
        };
        var result = await sandbox.RunAsync(new ExecRequest(["python3", "-I", "-X", "utf8", "-c", Harness])
        {
            Stdin = input.ToJsonString(),
            Timeout = timeout,
            OutputLimitBytes = 4 << 20,
        }, cancellationToken).ConfigureAwait(false);
        return Score(task, nonce, result);
    }

    /// <summary>Compares what the harness reported (lines starting with <paramref name="nonce"/>) with the expected results.</summary>
    internal static GradeReport Score(CodeTask task, string nonce, ExecResult result)
    {
        var reports = new Dictionary<int, JsonElement>();
        var repeated = new HashSet<int>();
        string? loadError = null;
        foreach (var line in result.Stdout.Split('\n'))
        {
            if (!line.StartsWith(nonce + " ", StringComparison.Ordinal)) continue;
            JsonElement report;
            try
            {
                report = JsonDocument.Parse(line[(nonce.Length + 1)..]).RootElement;
            }
            catch (JsonException)
            {
                continue;
            }
            if (report.ValueKind != JsonValueKind.Object) continue;
            if (report.TryGetProperty("load_error", out var error)) { loadError ??= error.ToString(); continue; }
            if (!report.TryGetProperty("i", out var index) || !index.TryGetInt32(out var i)) continue;
            if (!reports.TryAdd(i, report)) repeated.Add(i);
        }
        var passed = 0;
        for (var i = 0; i < task.Tests.Count; i++)
        {
            if (repeated.Contains(i) || !reports.TryGetValue(i, out var report)) continue;
            var test = task.Tests[i];
            var ok = test.Raises is { } expectedError
                ? report.TryGetProperty("error", out var e) && e.GetString() == expectedError
                : report.TryGetProperty("value", out var value) && JsonValues.Equal(value, test.Expected);
            if (ok) passed++;
        }
        return new GradeReport(passed, task.Tests.Count, loadError, result.Limit, result.Stderr);
    }
}

/// <summary>How a submission fared: tests passed out of the total, and why it may have failed to load or run.</summary>
internal sealed record GradeReport(int Passed, int Total, string? LoadError, SandboxLimit Limit, string Stderr)
{
    public double Fraction => Total == 0 ? 0 : (double)Passed / Total;

    /// <summary>What the agent is told after submitting.</summary>
    public string Describe()
    {
        var text = $"Submitted: {Passed} of {Total} hidden tests passed.";
        if (LoadError is not null) text += $" The submission failed to load: {LoadError}";
        else if (Limit != SandboxLimit.None) text += $" The tests were stopped by the sandbox's {Limit.ToString().ToLowerInvariant()} limit.";
        return text;
    }
}

/// <summary>Equality of JSON values as Python results: same kinds, numbers equal within 1e-9 (relative), objects by keys.</summary>
internal static class JsonValues
{
    public static bool Equal(JsonElement actual, JsonElement expected)
    {
        if (expected.ValueKind == JsonValueKind.Undefined) expected = default;
        var a = actual.ValueKind == JsonValueKind.Undefined ? JsonValueKind.Null : actual.ValueKind;
        var e = expected.ValueKind == JsonValueKind.Undefined ? JsonValueKind.Null : expected.ValueKind;
        if (a != e) return false;
        switch (a)
        {
            case JsonValueKind.Number:
                if (actual.TryGetInt64(out var x) && expected.TryGetInt64(out var y)) return x == y;
                var p = actual.GetDouble();
                var q = expected.GetDouble();
                return Math.Abs(p - q) <= 1e-9 * Math.Max(1, Math.Max(Math.Abs(p), Math.Abs(q)));
            case JsonValueKind.String:
                return actual.GetString() == expected.GetString();
            case JsonValueKind.Array:
                return actual.GetArrayLength() == expected.GetArrayLength()
                    && actual.EnumerateArray().Zip(expected.EnumerateArray()).All(pair => Equal(pair.First, pair.Second));
            case JsonValueKind.Object:
                var left = actual.EnumerateObject().ToDictionary(o => o.Name, o => o.Value);
                var right = expected.EnumerateObject().ToDictionary(o => o.Name, o => o.Value);
                return left.Count == right.Count && left.All(kv => right.TryGetValue(kv.Key, out var other) && Equal(kv.Value, other));
            default:
                return true;
        }
    }
}
