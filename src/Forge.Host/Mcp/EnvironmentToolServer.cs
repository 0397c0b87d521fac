using System.Text.Json;
using Forge.Core;
using Forge.Host.Registry;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Forge.Host.Mcp;

/// <summary>
/// <c>forge mcp serve ENV_ID</c>: an environment's tools as a Model Context Protocol server. One episode of the chosen task
/// is open; each <c>tools/call</c> is one assistant message with that tool call, stepped through the environment — so the
/// same dispatcher, argument checks and error taxonomy answer it — and the tool message that comes back is the result
/// (<c>isError</c> for a tool error). When a call ends the episode (a <c>submit</c>), the next call starts a new one.
/// </summary>
public sealed class EnvironmentToolServer : IAsyncDisposable
{
    /// <summary>Tool calls one served episode allows before it starts over (an MCP client is not bound by the turn limit).</summary>
    public const int MaxCallsPerEpisode = 10_000;

    private readonly RegisteredEnvironment _environment;
    private readonly IEnvironmentTask _task;
    private readonly int _seed;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IEnvironment? _instance;
    private ResetResult? _reset;
    private int _calls;
    private int _episodes;

    /// <summary>Serves <paramref name="environment"/>'s tools for <paramref name="task"/>, episodes seeded with <paramref name="seed"/>.</summary>
    public EnvironmentToolServer(RegisteredEnvironment environment, IEnvironmentTask task, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(task);
        if (environment.RequiresSandbox)
            throw new ArgumentException($"{environment.Id} needs a sandbox per episode; forge mcp serve doesn't give one yet.");
        (_environment, _task, _seed) = (environment, task, seed);
    }

    /// <summary>The MCP server options: server info, the tools capability and the two tool handlers.</summary>
    public McpServerOptions Options() => new()
    {
        ServerInfo = new Implementation { Name = $"forge/{_environment.Id}", Version = _environment.Version },
        ServerInstructions = $"The tools of the Forge environment {_environment.Id} v{_environment.Version} ({_environment.Description}), on task '{_task.Id}'.",
        Capabilities = new ServerCapabilities { Tools = new ToolsCapability() },
        Handlers = new McpServerHandlers
        {
            ListToolsHandler = async (_, cancellationToken) => new ListToolsResult { Tools = [.. (await EpisodeAsync(cancellationToken).ConfigureAwait(false)).Tools.Select(ToMcp)] },
            CallToolHandler = async (request, cancellationToken) => await CallAsync(request.Params!, cancellationToken).ConfigureAwait(false),
        },
    };

    /// <summary>Runs the server over <paramref name="transport"/> until the client disconnects or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(ITransport transport, CancellationToken cancellationToken)
    {
        await using var server = McpServer.Create(transport, Options());
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<CallToolResult> CallAsync(CallToolRequestParams call, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EpisodeLockedAsync(cancellationToken).ConfigureAwait(false);
            var arguments = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, JsonElement>());
            var action = Message.Assistant("", new ToolCall($"mcp-{_episodes}-{_calls++}", call.Name, arguments));
            var step = await _instance!.StepAsync(action, cancellationToken).ConfigureAwait(false);
            if (step.Done) _reset = null;   // the next call opens a new episode
            var reply = step.Observation.FirstOrDefault(m => m.Role == Forge.Core.Role.Tool)
                ?? step.Observation.FirstOrDefault()
                ?? Message.ToolResult(action.ToolCalls[0].Id, call.Name, "(no result)");
            return new CallToolResult { Content = [new TextContentBlock { Text = reply.Content }], IsError = reply.IsError };
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ResetResult> EpisodeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await EpisodeLockedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ResetResult> EpisodeLockedAsync(CancellationToken cancellationToken)
    {
        if (_reset is not null && _calls < MaxCallsPerEpisode) return _reset;
        if (_instance is not null) await _instance.DisposeAsync().ConfigureAwait(false);
        _instance = _environment.Create();
        _calls = 0;
        var context = new EpisodeContext($"mcp-{_episodes++}", _seed)
        {
            Limits = _environment.Limits with { MaxTurns = MaxCallsPerEpisode + 1 },
            RewardMode = _environment.RewardMode,
            Cancellation = cancellationToken,
        };
        return _reset = await _instance.ResetAsync(context, _task).ConfigureAwait(false);
    }

    private static Tool ToMcp(ToolSpec tool)
    {
        using var schema = JsonDocument.Parse(tool.ParametersSchemaJson);
        return new Tool { Name = tool.Name, Description = tool.Description, InputSchema = schema.RootElement.Clone() };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_instance is not null) await _instance.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
