using Forge.Core;
using Forge.Environments.MathReasoning;

namespace Forge.Environments.Tests.MathReasoning;

public sealed class MathEnvironmentTests
{
    private static readonly IReadOnlyList<MathTask> WordProblems = TaskFile.Read<MathTask>(TaskFiles.Path("MathReasoning/word-problems.jsonl"));

    [Fact]
    public void WordProblems_File_HasAtLeast30WhoseSolutionsGiveTheirAnswers()
    {
        Assert.True(WordProblems.Count >= 30, $"only {WordProblems.Count} word problems");
        foreach (var task in WordProblems)
        {
            Assert.False(string.IsNullOrWhiteSpace(task.Solution), task.Id);
            Assert.True(Math.Abs(Calculator.Evaluate(task.Solution!) - task.Answer) <= 1e-9, $"{task.Id}: {task.Solution} ≠ {task.Answer}");
        }
    }

    [Fact]
    public async Task Solver_EveryWordProblem_FullMarksInTwoTurns()
    {
        foreach (var task in WordProblems)
        {
            var outcome = await Episode.PlayAsync(new WordProblemsEnvironment(), new MathSolver(), task);
            Assert.True(outcome.Last.Terminated, task.Id);
            Assert.Equal(2, outcome.Turns);
            Assert.Equal(1.0, outcome.Score("correct"));
            Assert.Equal(1.2, outcome.Breakdown.Total, 9);
        }
    }

    [Fact]
    public async Task Solver_GeneratedArithmetic_SolvesEveryTask()
    {
        var generator = new ArithmeticTasks();
        for (var i = 0; i < 60; i++)
        {
            var outcome = await Episode.PlayAsync(new ArithmeticEnvironment(), new MathSolver(), generator.Generate(7, i), seed: i);
            Assert.True(outcome.Breakdown.Success, $"task {i}");
        }
    }

    [Fact]
    public void ArithmeticTasks_SameSeedAndIndex_SameTaskAndOthersDiffer()
    {
        var generator = new ArithmeticTasks();
        Assert.Equal(generator.Generate(3, 5), generator.Generate(3, 5));
        var questions = Enumerable.Range(0, 100).Select(i => generator.Generate(3, i).Question).ToHashSet();
        Assert.True(questions.Count > 95);
        Assert.NotEqual(generator.Generate(3, 0).Question, generator.Generate(4, 0).Question);
        Assert.All(Enumerable.Range(0, 300).Select(i => generator.Generate(11, i)), t => Assert.Equal(Calculator.Evaluate(t.Solution!), t.Answer));
    }

    [Fact]
    public void Info_BeforeAnyEpisode_DescribesBothEnvironments()
    {
        var info = new ArithmeticEnvironment().Info;
        Assert.Equal(("math/arithmetic", 0.0, 1.2), (info.Id, info.MinReward, Math.Round(info.MaxReward, 9)));
        Assert.Equal("math/word-problems", new WordProblemsEnvironment().Info.Id);
    }

    [Theory]
    [InlineData("Answer: 252", 1.0)]
    [InlineData("Answer: 252.00004", 1.0)]
    [InlineData("12 trays of 21 rolls.\nAnswer: 252 rolls", 1.0)]
    [InlineData("The baker makes 252 rolls.", 0.0)]                      // the answer goes on an "Answer:" line, as the prompt says
    [InlineData("End with 'Answer: <number>'. Rolls: 252", 0.0)]          // a marker mid-line is the prompt repeated, not an answer
    [InlineData("Answer: 251", 0.0)]
    [InlineData("I don't know.", 0.0)]
    public async Task Rubric_FinalAnswer_ScoredByNumericTolerance(string answer, double expected)
    {
        var outcome = await Episode.PlayAsync(new WordProblemsEnvironment(), Episode.Playing(Message.Assistant(answer)), WordProblems[0]);
        Assert.Equal(expected, outcome.Score("correct"));
    }

    [Fact]
    public async Task Calculate_BadExpression_AnswersWithToolErrorAndEpisodeGoesOn()
    {
        var agent = Episode.Playing(Episode.Call("calculate", """{"expression": "1 / 0"}"""), Message.Assistant("Answer: 0"));
        var outcome = await Episode.PlayAsync(new ArithmeticEnvironment(), agent, new MathTask("t", "What is 1 / 0?", 0));
        var error = Assert.Single(outcome.Conversation, m => m.Role == Role.Tool);
        Assert.True(error.IsError);
        Assert.Contains("division by zero", error.Content);
        Assert.Equal(2, outcome.Turns);
        Assert.Equal(1.0, outcome.Score("format"));
    }

    [Fact]
    public async Task Tools_OfferOnlyCalculate()
    {
        var reset = await new ArithmeticEnvironment().ResetAsync(new EpisodeContext("e", 1), new MathTask("t", "What is 1 + 1?", 2));
        var tool = Assert.Single(reset.Tools);
        Assert.Equal("calculate", tool.Name);
        Assert.Equal(MathEnvironment.Instructions, reset.Observation[0].Content);
    }
}
