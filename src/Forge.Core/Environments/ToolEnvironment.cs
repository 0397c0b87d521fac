namespace Forge.Core;

/// <summary>
/// Base class of environments whose agent acts through tools. Tools are this class's public methods marked
/// <c>[KernelFunction, Description("…")]</c> (parameters with <c>[Description]</c>); nothing else is callable.
/// Each assistant message's tool calls are run in order and answered with tool messages; a malformed call gets a
/// tool-error message. A plain reply (no tool calls) goes to <see cref="OnReplyAsync"/>, which by default ends the
/// episode: the reply is the agent's final answer. A tool may end the episode with <see cref="EndEpisode"/>.
/// </summary>
public abstract class ToolEnvironment<TTask> : Environment<TTask> where TTask : class, IEnvironmentTask
{
    private ToolDispatcher? _dispatcher;
    private bool _endRequested;

    private ToolDispatcher Dispatcher => _dispatcher ??= new ToolDispatcher(this);

    private McpToolSource? _mcpTools;

    /// <summary>The MCP server whose tools are offered beside the class's own, when <see cref="UseMcpToolsAsync"/> set one.</summary>
    protected McpToolSource? McpTools => _mcpTools;

    /// <summary>
    /// Offers <paramref name="source"/>'s tools beside the class's own (call it in <c>OnResetAsync</c>: the tools are
    /// listed after). The previous source is disposed; the environment disposes the last one when it is disposed.
    /// </summary>
    protected async ValueTask UseMcpToolsAsync(McpToolSource? source)
    {
        if (_mcpTools is { } old && !ReferenceEquals(old, source)) await old.DisposeAsync().ConfigureAwait(false);
        _mcpTools = source;
    }

    /// <inheritdoc />
    protected override IReadOnlyList<ToolSpec> Tools => _mcpTools is { } mcp ? [.. Dispatcher.Tools, .. mcp.Tools] : Dispatcher.Tools;

    /// <summary>Called from a tool to end the episode after the current message's calls (for example <c>submit</c>).</summary>
    protected void EndEpisode() => _endRequested = true;

    /// <summary>Answers an assistant message without tool calls. By default the episode ends and the message is the final answer.</summary>
    protected virtual ValueTask<Turn> OnReplyAsync(Message reply, CancellationToken cancellationToken) => ValueTask.FromResult(Turn.End());

    /// <inheritdoc />
    protected override async ValueTask<Turn> OnStepAsync(Message action, CancellationToken cancellationToken)
    {
        _endRequested = false;
        if (action.Malformed)
            return Turn.Continue(Message.User(ToolErrors.MalformedMessage));
        if (action.ToolCalls.Count == 0)
            return await OnReplyAsync(action, cancellationToken).ConfigureAwait(false);

        var results = new List<Message>(action.ToolCalls.Count);
        foreach (var call in action.ToolCalls)
        {
            results.Add(await InvokeAsync(call, cancellationToken).ConfigureAwait(false));
            if (_endRequested) break;
        }
        return new Turn(results, _endRequested);
    }

    private async ValueTask<Message> InvokeAsync(ToolCall call, CancellationToken cancellationToken)
    {
        if (_mcpTools is not { } mcp || Dispatcher.Tools.Any(t => t.Name == call.Name))
            return await Dispatcher.InvokeAsync(call, Context.Limits.ToolTimeout, Context.Time, cancellationToken).ConfigureAwait(false);
        if (mcp.Offers(call.Name)) return await mcp.InvokeAsync(call, Context.Limits.ToolTimeout, cancellationToken).ConfigureAwait(false);
        return Message.ToolResult(call.Id, call.Name, ToolErrors.UnknownTool(call.Name, Tools.Select(t => t.Name)), isError: true);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (_mcpTools is { } mcp) await mcp.DisposeAsync().ConfigureAwait(false);
        _mcpTools = null;
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
