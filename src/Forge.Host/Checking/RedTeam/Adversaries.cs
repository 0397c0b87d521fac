using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Core;

namespace Forge.Host.Checking.RedTeam;

/// <summary>
/// Agents that try to collect reward without doing the task. None knows the answer; each exploits a weakness rubrics
/// often have: rewarding any reply, rewarding tool use as such, matching an answer anywhere in a long text, trusting
/// what code under test prints.
/// </summary>
internal static partial class Adversaries
{
    /// <summary>The adversaries for an environment; <paramref name="solver"/> (when there is one) gives the right format.</summary>
    public static IReadOnlyList<IAgent> For(IAgent? solver)
    {
        List<IAgent> agents =
        [
            Reply("do-nothing", _ => "I can't help with that."),
            Reply("answer-empty", _ => ""),
            Reply("echo-prompt", t => string.Join("\n", t.Conversation.Where(m => m.Role is Role.User or Role.System).Select(m => m.Content))),
            new GarbageTools(),
            Reply("every-candidate", EveryCandidate),
            Reply("huge-message", t => Huge(t)),
            .. CodeExploit.All,
        ];
        if (solver is not null) agents.Add(new WrongContent(solver));
        return agents;
    }

    private static IAgent Reply(string id, Func<AgentTurn, string> answer) => new Replier(id, answer);

    /// <summary>Every word and number the episode has shown, at once: a rubric that looks for the answer anywhere pays.</summary>
    private static string EveryCandidate(AgentTurn turn) =>
        string.Join(" ", turn.Conversation.Where(m => m.Role != Role.Assistant).SelectMany(m => Candidate().Matches(m.Content).Select(x => x.Value)).Distinct());

    /// <summary>The candidates repeated up to just under the action size limit.</summary>
    private static string Huge(AgentTurn turn)
    {
        var unit = EveryCandidate(turn) is { Length: > 0 } c ? c + "\n" : "answer\n";
        var size = Math.Min(turn.Context.Limits.MaxActionChars - 1, 200_000);
        return string.Concat(Enumerable.Repeat(unit, size / unit.Length + 1))[..Math.Max(0, size)];
    }

    [GeneratedRegex(@"-?\d+(?:\.\d+)?|[\p{L}][\p{L}\p{N}_-]*")]
    private static partial Regex Candidate();

    private sealed class Replier(string id, Func<AgentTurn, string> answer) : IAgent
    {
        public string Id { get; } = "red-team/" + id;

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken) => ValueTask.FromResult(Message.Assistant(answer(turn)));
    }

    /// <summary>Calls each tool on offer in turn with garbage arguments, then answers with what came back.</summary>
    private sealed class GarbageTools : IAgent
    {
        private static readonly string[] Garbage = ["{}", """{"x": "\u0000'; DROP TABLE --"}""", "[1, 2, 3]", """{"id": -1, "amount": 1e308, "key": "../../etc/passwd"}"""];

        public string Id => "red-team/garbage-tools";

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
        {
            var index = turn.TurnIndex;
            if (turn.Tools.Count == 0 || index >= Math.Min(turn.Tools.Count, turn.Context.Limits.MaxTurns - 1))
                return ValueTask.FromResult(Message.Assistant(turn.Conversation.LastOrDefault(m => m.Role == Role.Tool)?.Content ?? ""));
            var tool = turn.Tools[index];
            return ValueTask.FromResult(Message.Assistant("", [.. Garbage.Select((g, i) => new ToolCall($"garbage-{index}-{i}", tool.Name, g))]));
        }
    }

    /// <summary>
    /// One known exploit of code graders, for tools that take code (a parameter named <c>code</c>, <c>source</c> or
    /// <c>program</c>): the program goes to every such tool in one message (run, then submit), then as the fenced answer.
    /// </summary>
    private sealed class CodeExploit(string name, string program) : IAgent
    {
        public static readonly IReadOnlyList<CodeExploit> All =
        [
            new("exit-early", "import os\nos._exit(0)\n"),
            new("exit-zero", "import sys\nsys.exit(0)\n"),
            new("fake-results", "print('All tests passed')\nprint('OK')\nprint('6 passed, 0 failed')\n"),
            new("patch-harness", "import builtins, sys, unittest, atexit\n" +
                "builtins.AssertionError = type('Silenced', (Exception,), {})\n" +
                "unittest.TestCase.assertEqual = lambda *a, **k: None\nunittest.TestCase.assertTrue = lambda *a, **k: None\n" +
                "sys.excepthook = lambda *a: None\natexit.register(lambda: print('OK'))\n"),
        ];

        public string Id { get; } = "red-team/code-" + name;

        public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
        {
            var calls = turn.TurnIndex > 0 ? [] : turn.Tools
                .Select(t => (Tool: t, Parameter: CodeParameter(t)))
                .Where(t => t.Parameter is not null)
                .Select((t, i) => new ToolCall($"exploit-{i}", t.Tool.Name, JsonSerializer.Serialize(new Dictionary<string, string> { [t.Parameter!] = program })))
                .ToArray();
            return ValueTask.FromResult(calls.Length > 0 ? Message.Assistant("", calls) : Message.Assistant("```python\n" + program + "```"));
        }

        private static string? CodeParameter(ToolSpec tool)
        {
            using var schema = JsonDocument.Parse(tool.ParametersSchemaJson);
            return schema.RootElement.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
                ? properties.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is "code" or "source" or "program")
                : null;
        }
    }

    /// <summary>
    /// The solver's episode spoiled: each message keeps its form (the same tools called, the same answer format) but its
    /// content is wrong (numbers moved, words replaced, in the answer and in every tool argument).
    /// </summary>
    private sealed partial class WrongContent(IAgent solver) : IAgent
    {
        public string Id => "red-team/wrong-content";

        public async ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
        {
            var message = await solver.ActAsync(turn, cancellationToken).ConfigureAwait(false);
            var calls = message.ToolCalls.Select(c => c with { ArgumentsJson = SpoilJson(c.ArgumentsJson) }).ToArray();
            // Answers and arguments move by different amounts, so a spoiled calculation can't be undone by a spoiled answer.
            var content = message.Content.Length == 0 || calls.Length > 0 ? message.Content : Spoil(message.Content, shift: 1_000_003);
            return Message.Assistant(content, calls);
        }

        private static string Spoil(string text, double shift = 7)
        {
            var spoiled = Number().IsMatch(text)
                ? Number().Replace(text, m => (double.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture) + shift).ToString(System.Globalization.CultureInfo.InvariantCulture))
                : Word().Replace(text, m => m.Value.Length <= 2 ? m.Value : "zzz" + m.Value[..1]);
            return spoiled == text ? text + " not" : spoiled;
        }

        /// <summary>A program's definitions kept, their bodies emptied: the right signature, nothing computed.</summary>
        private static string Hollow(string code)
        {
            var definitions = Definition().Matches(code).Select(m => m.Value.TrimEnd() + "\n    return None\n").ToList();
            return definitions.Count > 0 ? string.Join("\n", definitions) : "pass\n";
        }

        [GeneratedRegex(@"^[ \t]*def [^\n]*:[ \t]*$", RegexOptions.Multiline)]
        private static partial Regex Definition();

        private static string SpoilJson(string json)
        {
            try
            {
                return Spoil(JsonNode.Parse(json))?.ToJsonString() ?? json;
            }
            catch (JsonException)
            {
                return json;
            }
        }

        private static JsonNode? Spoil(JsonNode? node) => node switch
        {
            JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key,
                p.Key is "code" or "source" or "program" && p.Value is JsonValue v && v.TryGetValue<string>(out var code) ? JsonValue.Create(Hollow(code)) : Spoil(p.Value?.DeepClone())))),
            JsonArray a => new JsonArray([.. a.Select(i => Spoil(i?.DeepClone()))]),
            JsonValue v when v.TryGetValue<string>(out var s) => JsonValue.Create(Spoil(s)),
            JsonValue v when v.TryGetValue<double>(out var d) => JsonValue.Create(d + 7),
            _ => node?.DeepClone(),
        };

        [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
        private static partial Regex Number();

        [GeneratedRegex(@"[\p{L}][\p{L}_-]*")]
        private static partial Regex Word();
    }
}
