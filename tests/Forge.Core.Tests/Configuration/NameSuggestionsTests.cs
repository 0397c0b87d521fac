using Forge.Core.Configuration;

namespace Forge.Core.Tests.Configuration;

public sealed class NameSuggestionsTests
{
    [Theory]
    [InlineData("math/arith", "math/arithmetic")]
    [InlineData("math/arithmetik", "math/arithmetic")]
    [InlineData("SUPPORT/DESK", "support/desk")]
    [InlineData("suport/desk", "support/desk")]
    public void Closest_Typo_FindsTheIntendedName(string typed, string expected) =>
        Assert.Equal(expected, NameSuggestions.Closest(typed, ["math/arithmetic", "support/desk", "games/lookup"]));

    [Fact]
    public void Closest_NothingAlike_ReturnsNull() =>
        Assert.Null(NameSuggestions.Closest("chess", ["math/arithmetic", "support/desk"]));

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("abc", "", 3)]
    public void Levenshtein_KnownPairs_GivesTheDistance(string a, string b, int distance) =>
        Assert.Equal(distance, NameSuggestions.Levenshtein(a, b));
}
