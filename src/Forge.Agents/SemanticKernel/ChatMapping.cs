using System.Text.Json;
using Forge.Core;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace Forge.Agents.SemanticKernel;

/// <summary>Maps a Forge conversation to a Semantic Kernel <see cref="ChatHistory"/> and the model's reply back to a Forge message.</summary>
internal static class ChatMapping
{
    public static ChatHistory ToChatHistory(IReadOnlyList<Message> conversation)
    {
        var history = new ChatHistory();
        foreach (var m in conversation)
        {
            switch (m.Role)
            {
                case Role.System:
                    history.AddSystemMessage(m.Content);
                    break;
                case Role.User:
                    history.AddUserMessage(m.Content);
                    break;
                case Role.Assistant:
                    var assistant = new ChatMessageContent(AuthorRole.Assistant, m.Content.Length == 0 && m.ToolCalls.Count > 0 ? null : m.Content);
                    foreach (var call in m.ToolCalls)
                        assistant.Items.Add(new FunctionCallContent(call.Name, pluginName: null, id: call.Id, arguments: ParseArguments(call.ArgumentsJson)));
                    history.Add(assistant);
                    break;
                case Role.Tool when m.ToolCallId is not null:
                    history.Add(new ChatMessageContent(AuthorRole.Tool, [new FunctionResultContent(m.Name, pluginName: null, callId: m.ToolCallId, result: m.Content)]));
                    break;
                default:
                    // A tool message that answers no call (the environment's reply to a malformed message) reaches the model as user text.
                    history.AddUserMessage(m.Content);
                    break;
            }
        }
        return history;
    }

    /// <summary>
    /// The model's reply as an assistant message: its text and its tool calls, arguments kept as the JSON the model wrote, and
    /// the token usage the endpoint reported for the call (the connector keeps the reply's <c>usage</c> in the metadata under
    /// <c>Usage</c>); no usage leaves the counts null, and the trajectory then estimates them.
    /// </summary>
    public static Message ToMessage(ChatMessageContent reply)
    {
        var raw = RawToolCalls(reply.InnerContent);
        var calls = raw ?? reply.Items.OfType<FunctionCallContent>()
            .Select((c, i) => new ToolCall(
                c.Id ?? $"call_{i}",
                c.PluginName is null ? c.FunctionName : $"{c.PluginName}-{c.FunctionName}",
                c.Arguments is null ? "{}" : JsonSerializer.Serialize(c.Arguments.ToDictionary(a => a.Key, a => a.Value))))
            .ToList();
        var usage = reply.Metadata?.GetValueOrDefault("Usage") as OpenAI.Chat.ChatTokenUsage;
        return new Message
        {
            Role = Role.Assistant, Content = reply.Content ?? "", ToolCalls = calls,
            PromptTokens = usage?.InputTokenCount, CompletionTokens = usage?.OutputTokenCount,
        };
    }

    // The OpenAI connector keeps the SDK's completion: its tool calls hold the arguments exactly as the model wrote them, even when they are not valid JSON.
    private static List<ToolCall>? RawToolCalls(object? inner) => inner is OpenAI.Chat.ChatCompletion completion
        ? completion.ToolCalls.Select(c => new ToolCall(c.Id, c.FunctionName, c.FunctionArguments?.ToString() ?? "{}")).ToList()
        : null;

    private static KernelArguments? ParseArguments(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return null;
            var arguments = new KernelArguments();
            foreach (var property in document.RootElement.EnumerateObject()) arguments[property.Name] = property.Value.Clone();
            return arguments;
        }
        catch (JsonException)
        {
            return null; // the model wrote broken JSON; the environment already answered it with a tool error
        }
    }
}
