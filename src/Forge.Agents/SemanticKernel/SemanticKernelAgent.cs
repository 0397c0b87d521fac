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
        var replies = await _chat.GetChatMessageContentsAsync(history, settings, kernel: null, cancellationToken).ConfigureAwait(false);
        if (replies.Count == 0) throw new InvalidOperationException($"{Id}: the endpoint returned no message.");
        return ChatMapping.ToMessage(replies[0]);
    }

    /// <summary>Releases the HTTP connection pool.</summary>
    public void Dispose() => _http?.Dispose();
}
