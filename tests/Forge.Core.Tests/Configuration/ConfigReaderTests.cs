using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Forge.Core.Configuration;

namespace Forge.Core.Tests.Configuration;

public sealed class ConfigReaderTests
{
    public enum Shape { Round, SquareEdged }

    /// <summary>An options type like the real ones: ranges, a required field, an enum, a deadline, a nested section, a list.</summary>
    [ConfigHint("colour", "Colours moved to the palette file.")]
    public sealed class Widget : IValidatableObject
    {
        [Required] public string? Name { get; set; }
        [Range(1, 10)] public int Size { get; set; } = 3;
        [Range(0, 60, MinimumIsExclusive = true)] public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
        public Shape Shape { get; set; }
        public Inner Inner { get; set; } = new();
        public List<int> Counts { get; set; } = [];
        public int Min { get; set; }
        public int Max { get; set; } = 1;

        public IEnumerable<ValidationResult> Validate(ValidationContext context)
        {
            if (Min > Max) yield return new ValidationResult($"must not exceed max ({Max})", [nameof(Min)]);
        }
    }

    public sealed class Inner
    {
        [Range(0.0, 1.0)] public double Rate { get; set; } = 0.5;
    }

    private static (Widget Widget, IReadOnlyList<string> Problems) Bind(string json, Widget? baseline = null)
    {
        var reader = new ConfigReader("w.json");
        using var document = reader.Parse(json)!;
        var widget = reader.Bind(document.RootElement, "$", baseline);
        return (widget, reader.Problems.Select(p => p.ToString()).ToList());
    }

    [Fact]
    public void Bind_EveryKind_IsRead()
    {
        var (w, problems) = Bind("""
            // comments and trailing commas are allowed
            { "name": "w", "size": 7, "timeout_s": 1.5, "shape": "square_edged", "inner": { "rate": 0.25 }, "counts": [1, 2], }
            """);

        Assert.Empty(problems);
        Assert.Equal(("w", 7, TimeSpan.FromSeconds(1.5), Shape.SquareEdged, 0.25), (w.Name, w.Size, w.Timeout, w.Shape, w.Inner.Rate));
        Assert.Equal([1, 2], w.Counts);
    }

    [Fact]
    public void Bind_ManyProblems_AreAllReportedWithPaths()
    {
        var (_, problems) = Bind("""{ "size": 11, "timeout_s": 0, "shape": "squre_edged", "inner": { "rate": "high" }, "counts": [1, "x"], "sise": 1 }""");

        Assert.Equal(
        [
            "w.json: $.shape: \"squre_edged\" is not one of \"round\", \"square_edged\". Did you mean \"square_edged\"?",
            "w.json: $.inner.rate: expected a number, got the string \"high\"",
            "w.json: $.counts[1]: expected an integer, got the string \"x\"",
            "w.json: $.sise: unknown property \"sise\". Did you mean \"size\"?",
            "w.json: $.name: is required",
            "w.json: $.size: must be between 1 and 10 (got 11)",
            "w.json: $.timeout_s: must be greater than 0 and at most 60 s (got 0)",
        ], problems);
    }

    [Fact]
    public void Bind_CrossFieldRule_NamesTheField()
    {
        var (_, problems) = Bind("""{ "name": "w", "min": 5, "max": 2 }""");

        Assert.Equal(["w.json: $.min: must not exceed max (2)"], problems);
    }

    [Fact]
    public void Bind_RemovedProperty_GivesTheTypesAdvice()
    {
        var (_, problems) = Bind("""{ "name": "w", "colour": "red" }""");

        Assert.Equal(["w.json: $.colour: unknown property \"colour\". Colours moved to the palette file."], problems);
    }

    [Fact]
    public void Bind_OntoABaseline_KeepsWhatTheDocumentDoesNotSet()
    {
        var (w, problems) = Bind("""{ "size": 9 }""", new Widget { Name = "base", Size = 2, Shape = Shape.SquareEdged });

        Assert.Empty(problems);
        Assert.Equal(("base", 9, Shape.SquareEdged), (w.Name, w.Size, w.Shape));
    }

    [Fact]
    public void Parse_InvalidJson_SaysWhere()
    {
        var reader = new ConfigReader("w.json");

        Assert.Null(reader.Parse("{\n  \"a\": ,\n}"));
        var problem = Assert.Single(reader.Problems);
        Assert.StartsWith("w.json: $: line 2, column", problem.ToString());
        Assert.Throws<ConfigException>(reader.ThrowIfProblems);
    }

    [Fact]
    public void EpisodeLimits_RangesComeFromTheAttributes()
    {
        var limits = new EpisodeLimits { MaxTurns = 0, ToolTimeout = TimeSpan.Zero, EpisodeTimeout = TimeSpan.FromDays(8) };

        Assert.Equal(
        [
            "max_turns: must be between 1 and 10000 (got 0)",
            "tool_timeout_s: must be greater than 0 and at most 86400 s (got 0)",
            "episode_timeout_s: must be greater than 0 and at most 604800 s (got 691200)",
        ], limits.Validate());
    }
}
