using Forge.Core.Scripted;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Core;

namespace Forge.Agents.Scripted;

/// <summary>The kinds of mistake a <see cref="NoisyAgent"/> makes.</summary>
public enum Mistake
{
    /// <summary>A final answer or reply with a changed number or word.</summary>
    WrongAnswer,
    /// <summary>A tool call with a changed argument value.</summary>
    WrongArguments,
    /// <summary>Output that could not be parsed (<see cref="Message.Malformed"/> set, no tool calls).</summary>
    Malformed,
    /// <summary>A call of a tool that is not on offer.</summary>
    UnknownTool,
}

/// <summary>
/// Wraps an agent and, with probability <c>errorRate</c> per turn, replaces its message with a plausible mistake:
/// a wrong final answer, wrong tool arguments, a malformed call or an unknown tool. The choice depends only on the
/// episode's seed and the turn index, so a run with the same seeds makes the same mistakes. A baseline for tests and metrics.
/// </summary>
public sealed partial class NoisyAgent : IAgent
{
    private const int DecisionSalt = 0x4E015E;
    private static readonly string[] HallucinatedTools = ["search", "get_answer", "run", "submit_answer"];

    private readonly IAgent _inner;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="errorRate"/> is the probability of a mistake per turn, in [0, 1].</summary>
    public NoisyAgent(IAgent inner, double errorRate)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!(errorRate is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(errorRate), errorRate, "The error rate of a noisy agent must be between 0 and 1.");
        _inner = inner;
        ErrorRate = errorRate;
        Id = string.Create(CultureInfo.InvariantCulture, $"noisy({inner.Id}, {errorRate:0.###})");
    }

    /// <summary>The probability of a mistake per turn.</summary>
    public double ErrorRate { get; }

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>The wrapped agent's description, with the error rate.</summary>
    public AgentProvenance Provenance => _inner.Provenance with
    {
        Type = "noisy",
        Details = string.Create(CultureInfo.InvariantCulture, $"error rate {ErrorRate:0.###} over {_inner.Id}"),
    };

    /// <inheritdoc />
    public async ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var message = await _inner.ActAsync(turn, cancellationToken).ConfigureAwait(false);
        var random = StableRandom.For(turn.AgentSeed, turn.TurnIndex, DecisionSalt);
        if (random.NextDouble() >= ErrorRate) return message;
        Mistake[] possible = message.ToolCalls.Count > 0
            ? [Mistake.WrongArguments, Mistake.Malformed, Mistake.UnknownTool]
            : [Mistake.WrongAnswer, Mistake.Malformed, Mistake.UnknownTool];
        return Apply(possible[random.Next(possible.Length)], message, turn, random);
    }

    /// <summary>Rewrites <paramref name="message"/> with <paramref name="mistake"/>; the result always differs from the original.</summary>
    internal static Message Apply(Mistake mistake, Message message, AgentTurn turn, Random random) => mistake switch
    {
        Mistake.WrongAnswer => message with { Content = WrongText(message.Content, random), ToolCalls = [] },
        Mistake.WrongArguments when message.ToolCalls.Count > 0 => message with
        {
            ToolCalls = [message.ToolCalls[0] with { ArgumentsJson = WrongArguments(message.ToolCalls[0].ArgumentsJson, random) }, .. message.ToolCalls.Skip(1)],
        },
        Mistake.WrongArguments => Apply(Mistake.WrongAnswer, message, turn, random),
        Mistake.Malformed => message with { Content = Garble(message), ToolCalls = [], Malformed = true },
        Mistake.UnknownTool => message with
        {
            Content = "",
            ToolCalls = [new ToolCall(Script.CallId(turn, 0), UnknownToolName(turn, random), message.ToolCalls.FirstOrDefault()?.ArgumentsJson ?? "{}")],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(mistake), mistake, null),
    };

    private static string WrongText(string text, Random random)
    {
        var numbers = Number().Matches(text);
        if (numbers.Count > 0 && decimal.TryParse(numbers[^1].Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var number))
        {
            var last = numbers[^1];
            var changed = number + random.Next(1, 10) * (random.Next(2) == 0 ? 1 : -1);
            return string.Concat(text.AsSpan(0, last.Index), changed.ToString(CultureInfo.InvariantCulture), text.AsSpan(last.Index + last.Length));
        }
        var trimmed = text.TrimEnd();
        var cut = trimmed.LastIndexOf(' ') + 1;
        var replacement = trimmed[cut..] == "unknown" ? "none" : "unknown";
        return trimmed[..cut] + replacement;
    }

    private static string WrongArguments(string json, Random random)
    {
        JsonObject? arguments;
        try { arguments = JsonNode.Parse(json) as JsonObject; }
        catch (JsonException) { arguments = null; }
        if (arguments is null || arguments.Count == 0) return """{"value": "?"}""";
        var (name, value) = arguments.First();
        arguments[name] = value?.GetValueKind() switch
        {
            JsonValueKind.Number => JsonValue.Create(value.GetValue<double>() + random.Next(1, 10)),
            JsonValueKind.True or JsonValueKind.False => JsonValue.Create(!value.GetValue<bool>()),
            JsonValueKind.String => JsonValue.Create(WrongText(value.GetValue<string>(), random)),
            _ => JsonValue.Create("?"),
        };
        return arguments.ToJsonString();
    }

    private static string Garble(Message message)
    {
        var call = message.ToolCalls.FirstOrDefault();
        var text = call is null ? """{"name": "answer", "arguments": {"text": """ + JsonSerializer.Serialize(message.Content) : $$"""{"name": "{{call.Name}}", "arguments": {{call.ArgumentsJson}}""";
        return text[..Math.Max(1, text.Length * 2 / 3)];
    }

    private static string UnknownToolName(AgentTurn turn, Random random)
    {
        var offered = turn.Tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var name = HallucinatedTools[random.Next(HallucinatedTools.Length)];
        while (offered.Contains(name)) name += "_v2";
        return name;
    }

    [GeneratedRegex(@"-?\d+(?:\.\d+)?")]
    private static partial Regex Number();
}
