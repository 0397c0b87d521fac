using Forge.Core.Scripted;

namespace Forge.Environments.PythonCoding;

/// <summary>Solves coding tasks with their reference solution: tries it on the first example with <c>run_python</c>, then submits it.</summary>
public sealed class PythonSolver() : ScriptedAgent<CodeTask>("scripted/python")
{
    protected override Message Act(CodeTask task, AgentTurn turn)
    {
        if (turn.LastResultOf("run_python") is null && task.Examples.Count > 0)
            return Script.Call(turn, "run_python", new { code = $"{task.Reference}\nprint(repr({PythonLiteral.Call(task.Function, task.Examples[0].Args)}))" });
        return Script.Call(turn, "submit", new { code = task.Reference });
    }
}
