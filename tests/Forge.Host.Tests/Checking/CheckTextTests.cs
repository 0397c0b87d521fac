using Forge.Host.Checking;

namespace Forge.Host.Tests.Checking;

public sealed class CheckTextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("two\nlines", "two lines")]
    [InlineData("\u001b[2J", "\\u001b[2J")]
    [InlineData("a\u202eb\u0000", "a\\u202eb\\u0000")]
    [InlineData("abcdefghij", "abcde…")]
    public void Printable_Text_IsOneSafeShortLine(string text, string expected) =>
        Assert.Equal(expected, CheckText.Printable(text, 5 + (text.Length > 5 && text.All(char.IsAsciiLetter) ? 0 : 20)));
}
