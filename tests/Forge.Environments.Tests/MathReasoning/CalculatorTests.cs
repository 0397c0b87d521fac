using Forge.Environments.MathReasoning;

namespace Forge.Environments.Tests.MathReasoning;

public sealed class CalculatorTests
{
    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("10 - 4 - 3", 3)]
    [InlineData("100 / 10 / 5", 2)]
    [InlineData("2 ^ 3 ^ 2", 512)]
    [InlineData("-2 ^ 2", -4)]
    [InlineData("(-2) ^ 2", 4)]
    [InlineData("2 ^ -1", 0.5)]
    [InlineData("--3", 3)]
    [InlineData("-(4 - 6)", 2)]
    [InlineData("+5 * -2", -10)]
    [InlineData("1.5 * 4", 6)]
    [InlineData(".5 + .25", 0.75)]
    [InlineData("  7  ", 7)]
    [InlineData("((((1))))", 1)]
    [InlineData("0.1 + 0.2", 0.3)]
    public void Evaluate_ValidExpression_ReturnsValue(string expression, double expected) =>
        Assert.Equal(expected, Calculator.Evaluate(expression), 12);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("1 +", "ends too early")]
    [InlineData("(1 + 2", "'(' at position 1 is never closed")]
    [InlineData("1 + 2)", "unexpected ')' at position 6")]
    [InlineData("2 * x", "unexpected 'x' at position 5")]
    [InlineData("3.", "digit must follow the '.' at position 2")]
    [InlineData("1 / 0", "division by zero at position 3")]
    [InlineData("5 / (2 - 2)", "division by zero")]
    [InlineData("0 ^ -1", "division by zero")]
    [InlineData("2 ^ 5000", "exponent 5000 at position 3 is too large")]
    [InlineData("10 ^ 400", "too large")]
    [InlineData("(-8) ^ 0.5", "not a real number")]
    [InlineData("1 2", "unexpected '2' at position 3")]
    [InlineData("import os", "unexpected 'i' at position 1")]
    public void Evaluate_BadInput_ThrowsWithClearMessage(string expression, string expected)
    {
        var e = Assert.Throws<CalculationException>(() => Calculator.Evaluate(expression));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Evaluate_TooLongOrTooDeep_Refuses()
    {
        Assert.Contains("limit is 1000", Assert.Throws<CalculationException>(() => Calculator.Evaluate(new string('1', 1001))).Message);
        Assert.Contains("nested more than", Assert.Throws<CalculationException>(() => Calculator.Evaluate(new string('(', 200) + "1" + new string(')', 200))).Message);
        Assert.Contains("nested more than", Assert.Throws<CalculationException>(() => Calculator.Evaluate(new string('-', 500) + "1")).Message);
    }

    [Theory]
    [InlineData(42.0, "42")]
    [InlineData(-3.5, "-3.5")]
    [InlineData(0.30000000000000004, "0.3")]
    [InlineData(-0.0, "0")]
    [InlineData(2.0 / 3, "0.6666666667")]
    public void Format_Values_WritesShortInvariantText(double value, string expected) => Assert.Equal(expected, Calculator.Format(value));
}
