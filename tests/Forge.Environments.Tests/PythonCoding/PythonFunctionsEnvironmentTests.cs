using Forge.Core;
using Forge.Environments.PythonCoding;

namespace Forge.Environments.Tests.PythonCoding;

public sealed class PythonFunctionsEnvironmentTests(SandboxFixture sandboxes) : IClassFixture<SandboxFixture>
{
    // reverse_words returning its input passes exactly 2 of the 7 hidden tests ("one" and "").
    private const string PartlyRight = "def reverse_words(s):\n    return s\n";

    [Fact]
    public void TaskFile_HasAtLeastThirtyTasks_EachWithExamplesTestsAndReference()
    {
        Assert.True(CodingEpisode.Tasks.Count >= 30, $"only {CodingEpisode.Tasks.Count} tasks");
        Assert.All(CodingEpisode.Tasks, t =>
        {
            Assert.NotEmpty(t.Examples);
            Assert.True(t.Tests.Count >= 5, $"{t.Id} has {t.Tests.Count} hidden tests");
            Assert.Contains($"def {t.Function}(", t.Reference);
            Assert.Contains(t.Function, t.Statement);
        });
    }

    [Fact]
    public async Task Solver_EveryTask_ScoresOne()
    {
        var outcomes = new List<(string Id, EpisodeOutcome Outcome)>();
        await Parallel.ForEachAsync(CodingEpisode.Tasks, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (task, _) =>
        {
            var outcome = await CodingEpisode.PlayAsync(sandboxes.Provider, new PythonSolver(), task);
            lock (outcomes) outcomes.Add((task.Id, outcome));
        });
        Assert.All(outcomes, o =>
        {
            Assert.True(o.Outcome.Score("unit_tests") == 1.0, $"{o.Id}: {o.Outcome.Conversation[^1].Content}");
            Assert.Equal(2, o.Outcome.Turns);
        });
        var tried = outcomes.First().Outcome.Conversation.First(m => m.Role == Role.Tool && m.Name == "run_python");
        Assert.False(tried.IsError, tried.Content);
    }

    [Fact]
    public async Task PartlyRightSubmission_Graded_ScoresTheShareOfTestsPassed()
    {
        var outcome = await CodingEpisode.PlayAsync(sandboxes.Provider, CodingEpisode.Submitting(PartlyRight), CodingEpisode.Task("reverse-words"));
        Assert.Equal(2.0 / 7, outcome.Score("unit_tests"), 9);
        Assert.Contains("2 of 7 hidden tests passed", outcome.Conversation[^1].Content);
    }

    [Fact]
    public async Task PartlyRightSubmission_Binary_ScoresZero_AndARightOneScoresOne()
    {
        var task = CodingEpisode.Task("reverse-words");
        var partly = await CodingEpisode.PlayAsync(sandboxes.Provider, CodingEpisode.Submitting(PartlyRight), task, RewardMode.Binary);
        var right = await CodingEpisode.PlayAsync(sandboxes.Provider, CodingEpisode.Submitting(task.Reference), task, RewardMode.Binary);
        Assert.Equal((0.0, 1.0), (partly.Last.Reward, right.Last.Reward));
    }

    [Fact]
    public async Task RaisesTest_PassesOnlyWhenTheRightExceptionIsRaised()
    {
        var task = CodingEpisode.Task("chunk");
        var noCheck = "def chunk(items, size):\n    return [items[i:i + size] for i in range(0, len(items), max(size, 1))]\n";
        var outcome = await CodingEpisode.PlayAsync(sandboxes.Provider, CodingEpisode.Submitting(noCheck), task);
        Assert.Equal((task.Tests.Count - 1.0) / task.Tests.Count, outcome.Score("unit_tests"), 9);
    }

    [Fact]
    public async Task FinalReply_WithFencedCode_IsGraded()
    {
        var task = CodingEpisode.Task("reverse-words");
        var agent = Episode.Playing(Message.Assistant($"Here it is:\n```python\n{task.Reference}```"));
        var outcome = await CodingEpisode.PlayAsync(sandboxes.Provider, agent, task);
        Assert.Equal(1.0, outcome.Score("unit_tests"));
    }

    [Fact]
    public async Task RunPython_ShowsOutputErrorsAndLimits()
    {
        var task = CodingEpisode.Task("reverse-words");
        var agent = Episode.Playing(
            Episode.Call("run_python", """{"code": "print('hi')"}"""),
            Episode.Call("run_python", """{"code": "1/0"}"""),
            Episode.Call("run_python", """{"code": "while True: pass"}"""),
            Episode.Call("submit", """{"code": "pass"}"""));
        var outcome = await CodingEpisode.PlayAsync(sandboxes.Provider, agent, task);
        var results = outcome.Conversation.Where(m => m.Name == "run_python").Select(m => m.Content).ToList();
        Assert.Equal("hi\n", results[0]);
        Assert.Contains("ZeroDivisionError", results[1]);
        Assert.Contains("deadline limit", results[2]);
        Assert.Equal(0, outcome.Score("unit_tests"));
    }
}
