using System.Text.Json;
using Forge.Core;
using Forge.Core.Configuration;

namespace Forge.Host.Scenarios;

/// <summary>
/// A scenario's <c>"limits"</c> section: the <see cref="EpisodeLimits"/> it sets, each overriding the registry's default
/// for every environment. The section is read with the same options type (and ranges) as a registry entry's limits.
/// </summary>
public sealed record LimitOverrides
{
    private readonly JsonElement? _section;
    private readonly string _file = "";

    /// <summary>No overrides.</summary>
    public LimitOverrides() { }

    private LimitOverrides(JsonElement section, string file)
    {
        _section = section.Clone();
        _file = file;
    }

    /// <summary>The JSON names the section sets (<c>max_turns</c>, <c>tool_timeout_s</c>…).</summary>
    public IReadOnlyList<string> Names => _section is { } s ? s.EnumerateObject().Select(p => p.Name).ToList() : [];

    /// <summary><paramref name="defaults"/> with these overrides applied.</summary>
    public EpisodeLimits ApplyTo(EpisodeLimits defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        if (_section is not { } section) return defaults;
        var reader = new ConfigReader(_file);
        var limits = reader.Bind(section, "$.limits", defaults);
        reader.ThrowIfProblems();
        return limits;
    }

    /// <summary>Reads and checks the section (onto the defaults); problems go to <paramref name="reader"/>.</summary>
    internal static LimitOverrides Read(ConfigReader reader, JsonElement section, string path)
    {
        reader.Bind<EpisodeLimits>(section, path);
        return section.ValueKind == JsonValueKind.Object ? new LimitOverrides(section, reader.File) : new LimitOverrides();
    }
}
