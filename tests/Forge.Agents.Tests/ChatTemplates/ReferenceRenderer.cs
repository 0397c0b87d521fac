using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Agents.Tests.ChatTemplates;

/// <summary>
/// Renders templates with Python's jinja2 set up as transformers sets it up (tests/TestData/chat-templates/render_reference.py,
/// run by Debian's /usr/bin/python3 with python3-jinja2). One process renders a whole batch of cases.
/// </summary>
internal static class ReferenceRenderer
{
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(FindMissing);

    public static string Script => Path.Combine(TestData.ChatTemplatesFolder, "render_reference.py");

    /// <summary>Skips (or fails on CI) when the reference can't run here.</summary>
    public static void Require() => Requirement.That(Missing.Value is null, Missing.Value ?? "");

    /// <summary>Renders every case; each answer is ("text", null) or (null, "ExceptionType: message").</summary>
    public static IReadOnlyList<(string? Text, string? Error)> Render(IEnumerable<JsonObject> cases)
    {
        Require();
        var array = new JsonArray();
        foreach (var c in cases)
        {
            c["now"] = TestClock.Now.ToString("yyyy-MM-ddTHH:mm:ss");
            array.Add(c);
        }
        var request = new JsonObject { ["cases"] = array }.ToJsonString();
        var start = new ProcessStartInfo(Python, [Script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Write(request);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"the reference renderer failed: {stderr.Result}");
        return JsonNode.Parse(stdout.Result)!.AsArray()
            .Select(a => ((string?)a!["text"], (string?)a["error"]))
            .ToList();
    }

    private static string? FindMissing()
    {
        if (!File.Exists(Python)) return $"{Python} is missing (scripts/test installs python3-jinja2)";
        try
        {
            using var p = Process.Start(new ProcessStartInfo(Python, ["-c", "import jinja2"]) { RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0 ? null : "Python's jinja2 is missing: apt-get install python3-jinja2 (scripts/test does it)";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"{Python} can't run: {e.Message}";
        }
    }
}
