namespace Forge.Environments.MathReasoning;

/// <summary>A math problem: the question shown to the agent, the numeric answer, and optionally a worked solution as a calculator expression.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Question">The problem, as the agent reads it.</param>
/// <param name="Answer">The correct answer.</param>
/// <param name="Solution">An expression whose value is the answer (what the scripted solver types into the calculator).</param>
public sealed record MathTask(string Id, string Question, double Answer, string? Solution = null) : IEnvironmentTask;
