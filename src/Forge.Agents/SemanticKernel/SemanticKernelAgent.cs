using Forge.Core;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;

namespace Forge.Agents.SemanticKernel;

/// <summary>
/// An agent backed by any OpenAI-compatible chat-completion endpoint through Semantic Kernel. It sends the conversation and the
/// environment's tools (with their JSON schemas) and returns the model's reply; tool calls come back as Forge tool calls for the
/// environment to execute (auto-invocation is off). One instance serves many episodes at once.
/// </summary>
public sealed class SemanticKernelAgent : IAgent, IDisposable
{
    private readonly IChatCompletionService _chat;
    private readonly SemanticKernelAgentOptions _options;
    private readonly HttpClient? _http;
    // Environments hand out the same tool list for every episode of a type: declare it once.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<ToolSpec>, IReadOnlyList<KernelFunction>> _declarations = new();

    /// <inheritdoc />
    public string Id { get; }

    /// <summary>Connects to <see cref="SemanticKernelAgentOptions.Endpoint"/>; the API key is read from the environment variable the options name.</summary>
    /// <exception cref="ArgumentException">The options are invalid (every problem listed).</exception>
    public SemanticKernelAgent(SemanticKernelAgentOptions options)
        : this(options, chat: null)
    {
    }

    /// <summary>The agent a scenario's <c>"agent": { "type": "semantic-kernel", … }</c> section describes.</summary>
    /// <exception cref="FormatException">Every problem with the section, naming <paramref name="scenarioFile"/> and the JSON path.</exception>
    public static SemanticKernelAgent FromScenario(System.Text.Json.JsonElement agentSection, string scenarioFile) =>
        new(SemanticKernelAgentOptions.FromScenario(agentSection, scenarioFile));

    /// <summary>Uses <paramref name="chat"/> instead of connecting to the options' endpoint (tests, other connectors).</summary>
    internal SemanticKernelAgent(SemanticKernelAgentOptions options, IChatCompletionService? chat)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate("semantic-kernel agent: ");
        if (problems.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        _options = options;
        Id = $"sk/{options.Model}";
        if (chat is not null)
        {
            _chat = chat;
            return;
        }
        // The host enforces turn deadlines through cancellation; the client must not give up earlier on its own.
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var apiKey = Environment.GetEnvironmentVariable(options.ApiKeyEnvironmentVariable);
        _chat = new OpenAIChatCompletionService(options.Model, options.Endpoint!, string.IsNullOrEmpty(apiKey) ? null : apiKey, httpClient: _http);
    }

    /// <summary>The model and the endpoint's host and port (never its path, credentials or the API key).</summary>
    public AgentProvenance Provenance => new()
    {
        Type = "semantic-kernel",
        Model = _options.Model,
        EndpointHost = _options.Endpoint?.Authority,
        Details = _options.Temperature is { } t ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"temperature {t}") : null,
    };

    /// <inheritdoc />
    public async ValueTask<Message> ActAsync(AgentTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var history = ChatMapping.ToChatHistory(turn.Conversation);
        var settings = new OpenAIPromptExecutionSettings
        {
            ModelId = _options.Model,
            Temperature = _options.Temperature,
            MaxTokens = _options.MaxTokens,
            FunctionChoiceBehavior = turn.Tools.Count == 0 ? null : FunctionChoiceBehavior.Auto(_declarations.GetValue(turn.Tools, ToolDeclarations.Create), autoInvoke: false),
        };
        var replies = await CompleteAsync(history, settings, cancellationToken).ConfigureAwait(false);
        if (replies.Count == 0) throw new AgentReplyException("empty_reply", $"{Id}: the endpoint's reply has no choices.");
        return ChatMapping.ToMessage(replies[0]);
    }

    /// <summary>Most waits on a busy endpoint (429 or 503 with Retry-After) in one turn; the turn deadline bounds them too.</summary>
    internal const int MaxBusyRetries = 5;

    // One completion; a 429 or 503 that says when to come back is retried then (the host's turn deadline cancels the wait).
    private async Task<IReadOnlyList<ChatMessageContent>> CompleteAsync(ChatHistory history, OpenAIPromptExecutionSettings settings, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await _chat.GetChatMessageContentsAsync(history, settings, kernel: null, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (attempt < MaxBusyRetries && (int?)e.StatusCode is 429 or 503 && RetryAfter(e) is { } delay)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentOutOfRangeException e)
            {
                // The connector indexes the first choice of a reply that has none.
                throw new AgentReplyException("empty_reply", $"{Id}: the endpoint's reply has no choices.", e);
            }
            catch (Exception e) when (IsMalformed(e))
            {
                throw new AgentReplyException("malformed_reply", $"{Id}: the endpoint's reply is not a chat completion the client can read ({Innermost(e).Message}).", e);
            }
        }
    }

    // Retry-After in seconds (or an HTTP date) from the response behind the exception; null when it gives none.
    private static TimeSpan? RetryAfter(HttpOperationException e)
    {
        if (e.InnerException is not System.ClientModel.ClientResultException { } result || result.GetRawResponse() is not { } response
            || !response.Headers.TryGetValue("Retry-After", out var value) || value is null)
            return null;
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(Math.Min(seconds, 600));
        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? TimeSpan.FromSeconds(Math.Clamp((at - DateTimeOffset.UtcNow).TotalSeconds, 0, 600))
            : null;
    }

    // A body that isn't the JSON of a chat completion (truncated, not JSON, wrong shape) surfaces from inside the client
    // libraries as a JSON, format, key or argument error, possibly wrapped.
    private static bool IsMalformed(Exception e) =>
        Innermost(e) is System.Text.Json.JsonException or FormatException or KeyNotFoundException or InvalidOperationException
        && e is not OperationCanceledException;

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>Releases the HTTP connection pool.</summary>
    public void Dispose() => _http?.Dispose();
}
