using Forge.Host.Recording;

namespace Forge.Host.Tests.Recording;

public sealed class DisplayTextTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("two\nlines", "two\nlines")]
    [InlineData("\u001b[2Jcleared", "\\u001b[2Jcleared")]
    [InlineData("a\tb\rc\0", "a\\tb\\u000dc\\u0000")]
    [InlineData("admin\u202Egnp.exe", "admin\\u202egnp.exe")]
    [InlineData("bad bytes \ufffd", "bad bytes \\ufffd")]
    [InlineData("dice 🎲 and 世界", "dice 🎲 and 世界")]
    [InlineData("\u0085next line\u2028", "\\u0085next line\\u2028")]
    public void Escape_UnsafeCharacters_AreEscapesAndTheRestStays(string text, string expected)
    {
        var shown = DisplayText.Escape(text, out var escaped);

        Assert.Equal(expected, shown);
        Assert.Equal(text != expected, escaped);
    }

    [Fact]
    public void Escape_LoneSurrogate_IsAnEscape()   // built here: theory data would not carry a lone surrogate intact
    {
        var text = "lone " + (char)0xD800 + " high, lone " + (char)0xDC00 + " low";

        Assert.Equal("lone \\ud800 high, lone \\udc00 low", DisplayText.Escape(text));
    }

    [Fact]
    public void Escape_NothingToEscape_ReturnsTheSameString()
    {
        const string text = "nothing to see";

        Assert.Same(text, DisplayText.Escape(text));
        Assert.Equal("", DisplayText.Escape(null));
    }
}
