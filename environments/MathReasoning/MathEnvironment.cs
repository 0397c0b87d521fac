using System.ComponentModel;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Forge.Environments.MathReasoning;

/// <summary>Math problems with a calculator: the agent may call <c>calculate</c>, then answers with <c>Answer: &lt;number&gt;</c>.</summary>
public abstract class MathEnvironment : ToolEnvironment<MathTask>
{
    /// <summary>The instructions every math episode opens with.</summary>
    public const string Instructions =
        "Solve the problem. You may call calculate(expression) for exact arithmetic (+ - * / ^ and parentheses). " +
        "End with a final message of the form 'Answer: <number>'.";

    /// <summary>How far from the expected answer a final answer may be and still count (answers with 4 decimals pass).</summary>
    public const double AnswerTolerance = 1e-4;

    protected override IEnumerable<Message> Prompt(MathTask task) => [Message.System(Instructions), Message.User(task.Question)];

    [KernelFunction, Description("Evaluate an arithmetic expression with + - * / ^, parentheses and decimals, and return its value.")]
    public string Calculate([Description("The expression, for example (12 + 30) * 1.5")] string expression) =>
        Calculator.Format(Calculator.Evaluate(expression));

    protected override Rubric Rubric => new Rubric<MathTask>()
        .Add(new NumericTolerance<MathTask>(c => c.Task.Answer, weight: 1.0, absoluteTolerance: AnswerTolerance, name: "correct", marker: "Answer:"))
        .Add(new TokenBudget(maxTokens: 200, weight: 0.1))
        .Add(new FormatCheck(weight: 0.1));
}

/// <summary>Generated arithmetic expressions (see <see cref="ArithmeticTasks"/>).</summary>
[Environment("math/arithmetic", Version = "2", Description = "Generated arithmetic problems with a calculator tool; numeric-tolerance reward.",
    Solver = typeof(MathSolver), TaskGenerator = typeof(ArithmeticTasks), TaskCount = 300)]
public sealed class ArithmeticEnvironment : MathEnvironment;

/// <summary>Hand-written word problems (<c>word-problems.jsonl</c>).</summary>
[Environment("math/word-problems", Version = "2", Description = "Word problems with a calculator tool; numeric-tolerance reward.",
    Solver = typeof(MathSolver), TaskFile = "environments/MathReasoning/word-problems.jsonl")]
public sealed class WordProblemsEnvironment : MathEnvironment;
