using Forge.Agents.ChatTemplates.Jinja;

namespace Forge.Agents.Tests.ChatTemplates.Jinja;

/// <summary>Hand-checked renderings and errors of the interpreter (no reference needed).</summary>
public sealed class JinjaTemplateTests
{
    private static string Render(string template, params (string Name, object? Value)[] variables) =>
        JinjaTemplate.Parse(template, "t.jinja").Render(variables.ToDictionary(v => v.Name, v => v.Value), new TestClock());

    [Fact]
    public void Render_TrimAndLstripBlocks_AsTransformersSetsThem()
    {
        const string template = "<s>\n    {% for x in xs %}\n    [{{ x }}]\n    {% endfor %}\n</s>\n";
        Assert.Equal("<s>\n    [1]\n    [2]\n</s>", Render(template, ("xs", new List<object?> { 1L, 2L })));
    }

    [Fact]
    public void Render_MinusStripsWhitespaceAndNewlines()
    {
        Assert.Equal("a|b", Render("a  \n  {{- '|' -}}  \n  b"));
    }

    [Fact]
    public void Render_NamespaceSurvivesTheLoopPlainSetDoesNot()
    {
        const string template = "{% set n = 0 %}{% set ns = namespace(n=0) %}{% for i in [1, 2, 3] %}{% set n = n + i %}{% set ns.n = ns.n + i %}{% endfor %}{{ n }},{{ ns.n }}";
        Assert.Equal("0,6", Render(template));
    }

    [Fact]
    public void Render_ToJsonKeepsUnicodeAndKeyOrder()
    {
        var args = new Dictionary<string, object?> { ["z"] = "é\"🎉", ["a"] = 1.5, ["list"] = new List<object?> { null, true } };
        Assert.Equal("{\"z\": \"é\\\"🎉\", \"a\": 1.5, \"list\": [null, true]}", Render("{{ args|tojson }}", ("args", args)));
    }

    [Fact]
    public void Render_StrftimeNowReadsTheInjectedClock()
    {
        Assert.Equal("04 Dec 2026 20:30", Render("{{ strftime_now('%d %b %Y %H:%M') }}"));
    }

    [Fact]
    public void Render_RaiseException_CarriesTheTemplatesMessage()
    {
        var e = Assert.Throws<TemplateRaisedException>(() => Render("{% if messages|length == 0 %}{{ raise_exception('No messages!') }}{% endif %}", ("messages", new List<object?>())));
        Assert.Equal("No messages!", e.TemplateMessage);
        Assert.Contains("t.jinja", e.Message);
    }

    [Fact]
    public void Render_UndefinedPrintsEmptyButItsAttributeFails()
    {
        Assert.Equal("[]", Render("[{{ missing }}]"));
        var e = Assert.Throws<JinjaRenderException>(() => Render("line one\n{{ missing.attr }}"));
        Assert.Contains("'missing' is undefined", e.Message);
        Assert.Contains("line 2", e.Message);
    }

    [Theory]
    [InlineData("{% if x %}\n  {{ x }\n{% endif %}", 2, 8)]
    [InlineData("ok\n{% for x in %}{% endfor %}", 2, 13)]
    [InlineData("{% if x %}no end", 1, 17)]
    [InlineData("{{ 'unterminated }}", 1, 4)]
    [InlineData("{% frobnicate %}", 1, 4)]
    [InlineData("{# never closed", 1, 1)]
    public void Parse_SyntaxError_NamesLineAndColumn(string template, int line, int column)
    {
        var e = Assert.Throws<JinjaSyntaxException>(() => JinjaTemplate.Parse(template, "bad.jinja"));
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"Syntax error in template bad.jinja at line {line}, column {column}: ", e.Message);
    }
}
