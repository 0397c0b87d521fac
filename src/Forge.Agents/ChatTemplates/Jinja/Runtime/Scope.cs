namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>
/// Variables visible at one point of a template. A for loop's body gets a fresh child scope per iteration and a macro a
/// child of the scope it was defined in, so a <c>set</c> inside them never leaks out (Jinja2's rule; <c>namespace()</c>
/// is the way out).
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
            if (scope._variables.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public void Set(string name, object? value) => _variables[name] = value;

    public Scope? Parent { get; } = parent;
}
