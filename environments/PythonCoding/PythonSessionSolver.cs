using Forge.Core.Scripted;

namespace Forge.Environments.PythonCoding;

/// <summary>Solves coding tasks in a stateful session: defines the reference solution in one <c>run_python</c> call, tries it on the first example in the next (which works only if the session kept it), then submits it.</summary>
public sealed class PythonSessionSolver() : ScriptedAgent<CodeTask>("scripted/python-session")
{
    protected override Message Act(CodeTask task, AgentTurn turn) => turn.TurnIndex switch
    {
        0 => Script.Call(turn, "run_python", new { code = task.Reference }),
        1 when task.Examples.Count > 0 => Script.Call(turn, "run_python", new { code = $"print(repr({PythonLiteral.Call(task.Function, task.Examples[0].Args)}))" }),
        _ => Script.Call(turn, "submit", new { code = task.Reference }),
    };
}
