using Forge.Core.Scripted;

namespace Forge.Environments.MathReasoning;

/// <summary>Solves math tasks: types the task's worked solution into the calculator once, then answers with the result.</summary>
public sealed class MathSolver() : ScriptedAgent<MathTask>("scripted/math")
{
    protected override Message Act(MathTask task, AgentTurn turn)
    {
        if (task.Solution is null) return Script.Say($"Answer: {Calculator.Format(task.Answer)}");
        var result = turn.LastResultOf("calculate");
        if (result is null) return Script.Call(turn, "calculate", new { expression = task.Solution });
        return Script.Say(result.IsError ? $"Answer: {Calculator.Format(task.Answer)}" : $"Answer: {result.Content}");
    }
}
