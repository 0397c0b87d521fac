using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Forge.Core;

/// <summary>
/// Tools from a Model Context Protocol server (a stdio command on the host or in the episode's sandbox, or an HTTP endpoint) for a <see cref="ToolEnvironment{TTask}"/>:
/// they are offered with the server's names, descriptions and schemas, and each call is answered like a local tool's —
/// the same error texts (<see cref="ToolErrors"/>) for bad JSON, an unknown tool, a failure or a deadline, and the
/// server's text as the tool message. Start one in <c>OnResetAsync</c> and assign it to <c>McpTools</c>; the environment
/// disposes it (stopping the server) at the next reset and when it is disposed.
/// </summary>
public sealed class McpToolSource : IAsyncDisposable
{
    private readonly McpClient _client;
    private readonly HashSet<string> _names;
    private readonly IAsyncDisposable? _process;

    private McpToolSource(McpClient client, IReadOnlyList<ToolSpec> tools, IAsyncDisposable? process)
    {
        _client = client;
        _process = process;
        Tools = tools;
        _names = tools.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The server's tools.</summary>
    public IReadOnlyList<ToolSpec> Tools { get; }

    /// <summary>True when <paramref name="name"/> is one of the server's tools.</summary>
    public bool Offers(string name) => _names.Contains(name);

    /// <summary>Starts <paramref name="command"/> with <paramref name="arguments"/> as a stdio MCP server and lists its tools.</summary>
    public static Task<McpToolSource> StartAsync(string command, IReadOnlyList<string> arguments, string? workingDirectory = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = Path.GetFileName(command),
            Command = command,
            Arguments = [.. arguments],
            WorkingDirectory = workingDirectory,
        }), cancellationToken);

    /// <summary>
    /// Starts <paramref name="command"/> as a stdio MCP server inside <paramref name="sandbox"/> (the episode's: its workspace
    /// is the server's only writable folder, under the sandbox's limits, without network) and lists its tools. The server
    /// sees none of the host's files but <paramref name="readOnlyPaths"/> (its package, read-only; see
    /// <see cref="ExecRequest.ReadOnlyPaths"/>). Disposing the source kills the server.
    /// </summary>
    public static async Task<McpToolSource> StartInSandboxAsync(ISandbox sandbox, IReadOnlyList<string> command, IReadOnlyList<string>? readOnlyPaths = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(command);
        var process = await sandbox.StartAsync(new ExecRequest(command) { ReadOnlyPaths = readOnlyPaths ?? [] }, cancellationToken).ConfigureAwait(false);
        try
        {
            return await ConnectAsync(new StreamClientTransport(process.StandardInput, process.StandardOutput), cancellationToken, process).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await process.KillAsync().ConfigureAwait(false);
            var exited = await process.Exited.ConfigureAwait(false);
            await process.DisposeAsync().ConfigureAwait(false);
            throw new SandboxException($"The MCP server '{string.Join(' ', command)}' did not start in the {sandbox.Backend} sandbox: {e.Message}" +
                (exited.Stderr.Length > 0 ? $" Its stderr: {exited.Stderr.Trim()}" : ""), e);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects to an MCP server over HTTP (streamable HTTP, or SSE) at <paramref name="endpoint"/> and lists its tools.</summary>
    public static Task<McpToolSource> ConnectAsync(Uri endpoint, CancellationToken cancellationToken = default) =>
        ConnectAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = endpoint }), cancellationToken);

    private static async Task<McpToolSource> ConnectAsync(IClientTransport transport, CancellationToken cancellationToken, IAsyncDisposable? process = null)
    {
        var client = await McpClient.CreateAsync(transport, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            var tools = await client.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new McpToolSource(client, [.. tools.Select(t => new ToolSpec(t.Name, t.Description ?? "", t.JsonSchema.GetRawText()))], process);
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Calls the server's tool and answers with the tool message an agent sees.</summary>
    public async Task<Message> InvokeAsync(ToolCall call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!Offers(call.Name)) return Error(call, ToolErrors.UnknownTool(call.Name, _names));
        Dictionary<string, object?> arguments;
        try
        {
            using var json = JsonDocument.Parse(string.IsNullOrWhiteSpace(call.ArgumentsJson) ? "{}" : call.ArgumentsJson);
            if (json.RootElement.ValueKind != JsonValueKind.Object) return Error(call, ToolErrors.InvalidJson(call.Name, $"got {json.RootElement.ValueKind.ToString().ToLowerInvariant()}"));
            arguments = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            return Error(call, ToolErrors.InvalidJson(call.Name, e.Message));
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var result = await _client.CallToolAsync(call.Name, arguments, cancellationToken: deadline.Token).ConfigureAwait(false);
            var text = string.Join("\n", result.Content.Select(c => c is TextContentBlock t ? t.Text : $"[{c.Type}]"));
            return Message.ToolResult(call.Id, call.Name, result.IsError == true ? ToolErrors.Failed(call.Name, text) : text, isError: result.IsError == true);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Error(call, ToolErrors.TimedOut(call.Name, timeout));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Error(call, ToolErrors.Failed(call.Name, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    private static Message Error(ToolCall call, string text) => Message.ToolResult(call.Id, call.Name, text, isError: true);

    /// <summary>Closes the session; a stdio server's process ends with it (one in a sandbox is killed).</summary>
    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        if (_process is not null) await _process.DisposeAsync().ConfigureAwait(false);
    }
}
