using Forge.Core;
using Forge.Core.Rewards;

namespace Forge.Core.Tests.Rewards;

public sealed class RubricTests
{
    private sealed record T(string Id) : IEnvironmentTask;

    private static RewardContext Answer(string text, params Message[] more) =>
        new(new T("t"), [Message.User("q"), .. more, Message.Assistant(text)]);

    [Fact]
    public async Task Score_Graded_WeightedSumAndBreakdown()
    {
        var rubric = new Rubric().Add("a", 1.0, _ => 1).Add("b", 0.5, _ => 0.5);
        var b = await rubric.Score(Answer("x"));
        Assert.Equal(1.25, b.Total);
        Assert.True(b.Success);
        Assert.Equal((0, 1.5), rubric.Range());
        Assert.Equal((0, 1), rubric.Range(RewardMode.Binary));
    }

    [Fact]
    public async Task Score_PrimaryNotFull_NotSuccess()
    {
        var b = await new Rubric().Add("a", 1.0, _ => 0.99).Score(Answer("x"), RewardMode.Binary);
        Assert.False(b.Success);
        Assert.Equal(0, b.Total);
    }

    [Theory]
    [InlineData(double.NaN, "not a finite number")]
    [InlineData(double.PositiveInfinity, "not a finite number")]
    [InlineData(1.5, "outside its declared range")]
    public async Task Score_BadValue_ThrowsRewardExceptionNamingFunction(double value, string expected)
    {
        var e = await Assert.ThrowsAsync<RewardException>(() => new Rubric().Add("broken", 1, _ => value).Score(Answer("x")).AsTask());
        Assert.Contains("'broken'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Add_DuplicateName_Throws() =>
        Assert.Throws<ArgumentException>(() => new Rubric().Add("a", 1, _ => 0).Add("a", 1, _ => 0));

    [Fact]
    public void Range_NegativeWeight_CountsTowardsMin() =>
        Assert.Equal((-0.5, 1), new Rubric().Add("a", 1, _ => 0).Add("penalty", -0.5, _ => 0).Range());

    [Theory]
    [InlineData("The answer is 42.", 42, 1)]
    [InlineData("1,234.5", 1234.5, 1)]
    [InlineData("maybe 41 or 42.0000000001", 42, 1)]
    [InlineData("no number", 42, 0)]
    [InlineData("-3", -3, 1)]
    [InlineData("43", 42, 0)]
    public async Task NumericTolerance_ReadsLastNumber(string answer, double expected, double score) =>
        Assert.Equal(score, await new NumericTolerance<T>(_ => expected).Score(Answer(answer)));

    [Theory]
    [InlineData("Working: 6 * 7\nAnswer: 42", 1)]
    [InlineData("answer: 42.0 apples", 1)]
    [InlineData("Answer: 41\nAnswer: 42", 1)]          // the last answer line counts
    [InlineData("Answer: 42\nor maybe 41", 1)]         // what follows the answer line doesn't
    [InlineData("The answer is 42.", 0)]                // no answer line
    [InlineData("Write 'Answer: <number>'. 42", 0)]     // the marker mid-line: the instructions repeated
    public async Task NumericTolerance_WithMarker_ReadsOnlyTheAnswerLine(string answer, double score) =>
        Assert.Equal(score, await new NumericTolerance<T>(_ => 42, marker: "Answer:").Score(Answer(answer)));

    [Fact]
    public async Task ExactMatch_TrimsAndIgnoresCase()
    {
        Assert.Equal(1, await new ExactMatch<T>(_ => "Blue").Score(Answer(" blue\n")));
        Assert.Equal(0, await new ExactMatch<T>(_ => "Blue", caseSensitive: true).Score(Answer("blue")));
    }

    [Fact]
    public async Task RegexMatch_MustMatchAndMustNot()
    {
        Assert.Equal(1, await new RegexMatch(@"^\d+$").Score(Answer("123")));
        Assert.Equal(0, await new RegexMatch(@"password", mustMatch: false).Score(Answer("the password is x")));
    }

    [Fact]
    public async Task JsonSchemaValid_ValidatesFinalAnswer()
    {
        var f = new JsonSchemaValid("""{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}""");
        Assert.Equal(1, await f.Score(Answer("""{"n": 3}""")));
        Assert.Equal(1, await f.Score(Answer("```json\n{\"n\": 3}\n```")));
        Assert.Equal(0, await f.Score(Answer("""{"n": "3"}""")));
        Assert.Equal(0, await f.Score(Answer("not json")));
        Assert.Throws<ArgumentException>(() => new JsonSchemaValid("{not a schema"));
    }

    [Fact]
    public async Task TokenBudget_FullWithinBudgetThenLinearToZero()
    {
        var f = new TokenBudget(maxTokens: 10);
        Assert.Equal(1, await f.Score(Answer(new string('a', 40))));
        Assert.Equal(0.5, await f.Score(Answer(new string('a', 60))), 2);
        Assert.Equal(0, await f.Score(Answer(new string('a', 400))));
        var exact = new RewardContext(new T("t"), [new Message { Role = Role.Assistant, Content = "x", TokenIds = Enumerable.Range(0, 15).ToList() }]);
        Assert.Equal(0.5, await f.Score(exact));
    }

    [Fact]
    public async Task FormatCheck_FractionOfWellFormedMessages()
    {
        var ok = Message.Assistant("", new ToolCall("1", "a", "{}"));
        var bad = Message.Assistant("", new ToolCall("2", "a", "{"));
        var ctx = new RewardContext(new T("t"), [
            ok, Message.ToolResult("1", "a", "fine"),
            bad, Message.ToolResult("2", "a", ToolErrors.InvalidJson("a", "x"), isError: true),
            new Message { Role = Role.Assistant, Content = "?", Malformed = true },
            Message.Assistant("done")]);
        Assert.Equal(0.5, await new FormatCheck().Score(ctx));
    }
}
