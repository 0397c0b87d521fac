using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Agents.ChatFormat;
using Forge.Serving.Tests.Models;

namespace Forge.Cli.Tests.Commands.Run;

/// <summary>
/// A real judge for the judged-run tests: a <c>forge serve</c> process on 127.0.0.1 with a checkpoint whose first token
/// after the assistant header is "y" with P(y) = 3·P(n), whatever it reads — so every pass/fail verdict in logprobs mode
/// weighs 0.75.
/// </summary>
internal static class JudgeServer
{
    /// <summary>The politeness score every judged episode gets: P(yes) / (P(yes) + P(no)) = 0.75.</summary>
    public const double Verdict = 0.75;

    /// <summary>
    /// Runs <c>forge serve</c> with <paramref name="checkpoint"/> on <paramref name="port"/> (working in <paramref name="dir"/>),
    /// does <paramref name="whileUp"/> once it answers <c>/health</c> (not at all if it never does), then stops it with Ctrl+C
    /// (whether or not <paramref name="whileUp"/> threw); returns how the server ended.
    /// </summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> ServeWhileAsync(string dir, string checkpoint, int port, Func<Task> whileUp) =>
        ForgeProcess.RunAsync(dir, ["serve", "--checkpoint", checkpoint, "--port", port.ToString(), "--device", "cpu"], async pid =>
        {
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
                for (var i = 0; i < 600; i++)
                {
                    try
                    {
                        if ((await http.GetAsync("health")).IsSuccessStatusCode)
                        {
                            await whileUp();
                            break;
                        }
                    }
                    catch (HttpRequestException) { }
                    await Task.Delay(100);
                }
            }
            finally
            {
                Process.Start("kill", ["-INT", pid.ToString()])!.WaitForExit();   // also when whileUp failed: no server left behind
            }
        });

    /// <summary>
    /// A Forge checkpoint (byte tokenizer, Forge's chat format) whose next token depends only on the current one, as
    /// <c>TestModels.ChainCheckpoint</c> builds it: after the assistant header its logits put "y" ln 3 above "n" (and
    /// both far above every other token), then it spells "yes" or "no" and ends the turn. Served as model "judge".
    /// </summary>
    public static string Checkpoint(string directory) =>
        TestModels.ChainCheckpoint(directory,
        [
            (ChatMarkers.Assistant, "y", 49f), (ChatMarkers.Assistant, "n", 49f - (float)Math.Log(3)),
            ("y", "e", 49f), ("e", "s", 49f), ("n", "o", 49f),
        ], maxSeqLen: 4096, policyVersion: 1);

    /// <summary>The shipped judged scenario, its judge at <paramref name="port"/> on 127.0.0.1, written (and writing) under <paramref name="dir"/>.</summary>
    public static string ShippedScenario(string dir, int port)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(ForgeProcess.RepositoryRoot, "scenarios", "support-desk-judged.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        json["judge"]!["endpoint"] = $"http://127.0.0.1:{port}/v1";
        json["output"] = Path.Combine(dir, "out");
        var path = Path.Combine(dir, "support-desk-judged.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    /// <summary>
    /// A small judged training scenario (support/desk, a tiny policy, sync rollouts) with its judge at <paramref name="port"/>,
    /// written under <paramref name="dir"/>; <paramref name="warmStart"/>, a JSON object, adds a warm start.
    /// </summary>
    public static string TrainingScenario(string dir, int port, int updates, string? warmStart = null)
    {
        var path = Path.Combine(dir, "judged-train.json");
        File.WriteAllText(path, $$"""
            { "name": "judged-train", "seed": 3, "environments": [{ "id": "support/desk", "tasks": 4 }], "agent": { "type": "policy" },
              "group_size": 2, "concurrency": 4,
              "judge": { "endpoint": "http://127.0.0.1:{{port}}/v1", "model": "judge", "mode": "logprobs" },
              "trainer": { "model": { "d_model": 32, "layers": 1, "heads": 2, "max_seq_len": 1024 }, "updates": {{updates}}, "groups_per_update": 2,
                           "max_new_tokens": 8, "eval_episodes": 2, "checkpoint_every": 0, "mode": "sync"{{(warmStart is null ? "" : $", \"warm_start\": {warmStart}")}} } }
            """);
        return path;
    }
}
