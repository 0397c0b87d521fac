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

    /// <inheritdoc />
    protected override IReadOnlyList<ToolSpec> Tools => Dispatcher.Tools;

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
            results.Add(await Dispatcher.InvokeAsync(call, Context.Limits.ToolTimeout, Context.Time, cancellationToken).ConfigureAwait(false));
            if (_endRequested) break;
        }
        return new Turn(results, _endRequested);
    }
}
