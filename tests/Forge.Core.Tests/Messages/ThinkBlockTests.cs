namespace Forge.Core.Tests.Messages;

public sealed class ThinkBlockTests
{
    [Theory]
    [InlineData("<think>\nabc\n</think>\n\nanswer", "abc", "answer")]
    [InlineData("no block", null, "no block")]
    [InlineData("opened in the prompt\n</think>\n\nanswer", "opened in the prompt", "answer")]
    [InlineData("<think>\n\n</think>\n\nx", "", "x")]
    public void Split_AsQwen3TemplateReadsIt(string text, string? reasoning, string answer) =>
        Assert.Equal((reasoning, answer), ThinkBlock.Split(text));
}
