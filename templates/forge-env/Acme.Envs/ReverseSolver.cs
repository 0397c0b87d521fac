using Forge.Core;
using Forge.Core.Scripted;

namespace Acme.Envs;

/// <summary>Solves reverse tasks as a good agent would: one call of the reverse tool, then its result as the answer.</summary>
public sealed class ReverseSolver() : ScriptedAgent<ReverseTask>("scripted/reverse")
{
    /// <inheritdoc />
    protected override Message Act(ReverseTask task, AgentTurn turn)
    {
        var result = turn.LastResultOf("reverse");
        return result is null || result.IsError ? Script.Call(turn, "reverse", new { text = task.Text }) : Script.Say(result.Content);
    }
}
