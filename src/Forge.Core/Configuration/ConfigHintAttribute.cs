namespace Forge.Core.Configuration;

/// <summary>
/// Advice for a property an options type no longer (or never) takes, added to the "unknown property" problem:
/// <c>[ConfigHint("version", "The version is declared once, on the [Environment] attribute.")]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ConfigHintAttribute(string property, string advice) : Attribute
{
    /// <summary>The JSON name the advice is for.</summary>
    public string Property { get; } = property;

    /// <summary>What to do instead.</summary>
    public string Advice { get; } = advice;
}
