using System.Text;

namespace Forge.Agents.ChatTemplates.Jinja;

/// <summary>Walks a parsed template and writes its output; statements here, expressions in <c>JinjaInterpreter.Expressions.cs</c>.</summary>
internal sealed partial class JinjaInterpreter(string templateName)
{
    private enum Flow { Normal, Break, Continue }

    private int _line;

    /// <summary>Renders <paramref name="body"/> in <paramref name="scope"/>; runtime errors name the template and line.</summary>
    public string Render(IReadOnlyList<Node> body, Scope scope)
    {
        var output = new StringBuilder();
        try
        {
            if (Execute(body, scope, output) != Flow.Normal) throw new JinjaRenderException("break or continue outside a loop");
        }
        catch (TemplateRaisedException)
        {
            throw;
        }
        catch (JinjaRenderException e)
        {
            throw new JinjaRenderException($"Error rendering template {templateName} at line {_line}: {e.Message}");
        }
        catch (OverflowException)
        {
            throw new JinjaRenderException($"Error rendering template {templateName} at line {_line}: integer overflow");
        }
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Node> body, Scope scope, StringBuilder output)
    {
        foreach (var node in body)
        {
            _line = node.Line;
            var flow = Execute(node, scope, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Node node, Scope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputNode o:
                output.Append(PyOps.Str(Evaluate(o.Value, scope)));
                return Flow.Normal;
            case IfNode n:
                foreach (var (condition, branch) in n.Branches)
                    if (PyOps.Truthy(Evaluate(condition, scope))) return Execute(branch, scope, output);
                return n.Else is null ? Flow.Normal : Execute(n.Else, scope, output);
            case ForNode n:
                ExecuteFor(n, scope, output);
                return Flow.Normal;
            case SetNode n:
                Assign(n.Target, Evaluate(n.Value, scope), scope);
                return Flow.Normal;
            case BlockSetNode n:
                var captured = new StringBuilder();
                Execute(n.Body, scope, captured);
                Assign(n.Target, n.Filters.Count == 0 ? captured.ToString() : ApplyFilter(n.Filters[^1], captured.ToString(), scope), scope);
                return Flow.Normal;
            case MacroNode n:
                scope.Set(n.Name, DefineMacro(n.Name, n.Parameters, n.Body, scope));
                return Flow.Normal;
            case CallBlockNode n:
                var caller = DefineMacro("caller", n.CallerParameters, n.Body, scope);
                var (callee, args) = (Evaluate(n.Call.Callee, scope), EvaluateArguments(n.Call.Args, scope));
                args.Named["caller"] = caller;
                output.Append(PyOps.Str(Call(callee, args)));
                return Flow.Normal;
            case FilterBlockNode n:
                var block = new StringBuilder();
                Execute(n.Body, scope, block);
                output.Append(PyOps.Str(ApplyFilter(n.Filters[^1], block.ToString(), scope)));
                return Flow.Normal;
            case WithNode n:
                var inner = new Scope(scope);
                foreach (var (target, value) in n.Assignments) Assign(target, Evaluate(value, scope), inner);
                return Execute(n.Body, inner, output);
            case GenerationNode n:
                return Execute(n.Body, scope, output);
            case LoopControlNode n:
                return n.IsBreak ? Flow.Break : Flow.Continue;
            default:
                throw new InvalidOperationException($"unknown node {node.GetType().Name}");
        }
    }

    private void ExecuteFor(ForNode n, Scope scope, StringBuilder output)
    {
        var source = Evaluate(n.Iterable, scope);
        var items = PyOps.Iterate(source);
        if (n.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                var test = new Scope(scope);
                Assign(n.Target, item, test);
                if (PyOps.Truthy(Evaluate(n.Filter, test))) kept.Add(item);
            }
            items = kept;
        }
        if (items.Count == 0)
        {
            if (n.Else is not null) Execute(n.Else, scope, output);
            return;
        }
        var loop = new LoopInfo(items);
        for (var i = 0; i < items.Count; i++)
        {
            loop.Index0 = i;
            var iteration = new Scope(scope);
            iteration.Set("loop", loop);
            Assign(n.Target, items[i], iteration);
            if (Execute(n.Body, iteration, output) == Flow.Break) break;
        }
    }

    private static void Assign(Target target, object? value, Scope scope)
    {
        if (target.Attribute is { } attribute)
        {
            if (!scope.TryGet(target.Names[0], out var owner) || owner is not Namespace ns)
                throw new JinjaRenderException($"cannot assign attribute on non-namespace object '{target.Names[0]}'");
            ns.Attributes[attribute] = value;
            return;
        }
        if (!target.IsTuple)
        {
            scope.Set(target.Names[0], value);
            return;
        }
        var items = PyOps.Iterate(value);
        if (items.Count != target.Names.Count)
            throw new JinjaRenderException(items.Count > target.Names.Count
                ? $"too many values to unpack (expected {target.Names.Count})"
                : $"not enough values to unpack (expected {target.Names.Count}, got {items.Count})");
        for (var i = 0; i < items.Count; i++) scope.Set(target.Names[i], items[i]);
    }

    // A macro renders its body in a child of the scope it was defined in; missing arguments take their defaults, then undefined.
    private PyFunction DefineMacro(string name, IReadOnlyList<Parameter> parameters, IReadOnlyList<Node> body, Scope definedIn) => new(name, args =>
    {
        var scope = new Scope(definedIn);
        var named = new PyDict(args.Named);
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            object? value;
            if (i < args.Positional.Count)
            {
                if (named.ContainsKey(p.Name)) throw new JinjaRenderException($"macro '{name}' got multiple values for argument '{p.Name}'");
                value = args.Positional[i];
            }
            else if (named.Remove(p.Name, out var given)) value = given;
            else value = p.Default is null ? Undefined.Variable(p.Name) : Evaluate(p.Default, scope);
            scope.Set(p.Name, value);
        }
        if (named.Remove("caller", out var caller)) scope.Set("caller", caller);
        scope.Set("varargs", args.Positional.Skip(parameters.Count).ToArray());
        scope.Set("kwargs", named);
        var output = new StringBuilder();
        var line = _line;
        Execute(body, scope, output);
        _line = line;
        return output.ToString();
    });
}
