using System.Text;
using Forge.Core;

namespace Forge.Host.Checking;

/// <summary>
/// The checker's agent for environments without a solver (and besides the solver): it calls the tools on offer with
/// random arguments shaped by their schemas, then answers. Its choices depend only on the seed, the task and the turn,
/// so two runs of the same episode send the same messages.
/// </summary>
internal sealed class ProbeAgent : IAgent
{
    /// <summary>How many turns the probe spends on tools before it answers.</summary>
    public const int ToolTurns = 3;

    public string Id => "forge/probe";

    public ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        var random = new Random(StableHash(turn.Context.Seed, turn.Task.Id, turn.TurnIndex));
        var lastTurn = turn.TurnIndex >= Math.Min(ToolTurns, turn.Context.Limits.MaxTurns - 1);
        if (turn.Tools.Count == 0 || lastTurn || random.Next(5) == 0)
            return ValueTask.FromResult(Message.Assistant(Answer(turn, random)));

        var calls = new List<ToolCall>();
        for (var i = random.Next(1, 3); i > 0; i--)
        {
            var tool = turn.Tools[random.Next(turn.Tools.Count)];
            calls.Add(new ToolCall($"probe-{turn.TurnIndex}-{calls.Count}", tool.Name, SchemaArguments.ForTool(tool.ParametersSchemaJson, random)));
        }
        return ValueTask.FromResult(Message.Assistant("", [.. calls]));
    }

    // An answer of the kind agents give: a number, a word, or what the last tool said.
    private static string Answer(AgentTurn turn, Random random)
    {
        var lastTool = turn.Conversation.LastOrDefault(m => m.Role == Role.Tool && !m.IsError)?.Content;
        return random.Next(3) switch
        {
            0 when lastTool is not null => lastTool.Length > 200 ? lastTool[..200] : lastTool,
            1 => random.Next(-5, 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "I am not sure; my answer is: done.",
        };
    }

    /// <summary>A hash that, unlike <see cref="HashCode"/>, is the same in every process.</summary>
    internal static int StableHash(int seed, string text, int index)
    {
        unchecked
        {
            var hash = 2166136261u;
            foreach (var b in Encoding.UTF8.GetBytes($"{seed}\u0001{text}\u0001{index}")) hash = (hash ^ b) * 16777619u;
            return (int)hash;
        }
    }
}
