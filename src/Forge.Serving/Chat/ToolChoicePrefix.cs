using Forge.Agents.ChatFormat;
using Forge.Agents.ChatTemplates;
using Forge.Agents.ChatTemplates.ToolCalls;
using Forge.Serving.Api;

namespace Forge.Serving.Chat;

/// <summary>
/// tool_choice required or a named function: the reply is started for the model with the opening of a call in its
/// format's syntax (and the function's name when one is named), appended to the prompt as context. The model writes the
/// rest; a reply that still does not parse as a call comes back as text.
/// </summary>
internal static class ToolChoicePrefix
{
    /// <summary>The text that opens the reply, or "" when the model decides.</summary>
    public static string For(IChatFormat format, ChatRequest request)
    {
        if (request.ToolChoice is ToolChoiceMode.Auto or ToolChoiceMode.None) return "";
        var name = request.ToolChoiceName;
        return format switch
        {
            HfChatFormat { Parser: HermesToolCallParser } => HermesToolCallParser.CallOpen + "\n" + (name is null ? "{\"name\": \"" : $"{{\"name\": \"{name}\", \"arguments\": "),
            HfChatFormat { Parser: LlamaToolCallParser } => name is null ? "{\"name\": \"" : $"{{\"name\": \"{name}\", \"parameters\": ",
            ChatTemplate => ChatMarkers.CallOpen + (name is null ? "" : name + " "),
            _ => "",
        };
    }
}
