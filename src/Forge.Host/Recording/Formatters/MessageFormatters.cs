using System.Runtime.CompilerServices;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

/// <summary>The stored members of <see cref="Message"/>: names are format 1's keys, values format 2's. Never renumber; add at the end.</summary>
internal enum MessageField
{
    Role, Content, ToolCalls, ToolCallId, Name, Malformed, IsError, TokenIds, LogProbs, PolicyVersion, ReasoningTokens, PromptTokens, CompletionTokens,
}

/// <summary>
/// <see cref="Message"/> as a map, in format 1's layout (keyed by property name, exactly as the generic object formatter wrote it)
/// or format 2's (field numbers, defaults left out), written and read without reflection or key strings: the log's hottest type
/// (every prompt, action and observation). Reading takes either layout.
/// </summary>
internal sealed class MessageFormatter : IMessagePackFormatter<Message?>
{
    public static readonly MessageFormatter Named = new(FieldLayout.Named), Numbered = new(FieldLayout.Numbered);

    internal static readonly FieldNames Fields = FieldNames.Of<MessageField>();

    private readonly FieldLayout _layout;
    private readonly ToolCallFormatter _toolCalls;

    private MessageFormatter(FieldLayout layout) => (_layout, _toolCalls) = (layout, ToolCallFormatter.For(layout));

    public static MessageFormatter For(FieldLayout layout) => layout == FieldLayout.Named ? Named : Numbered;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, Message? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var present = Present.Mask(true, Present.NonEmpty(value.Content), Present.NonEmpty(value.ToolCalls), value.ToolCallId is not null,
            value.Name is not null, value.Malformed, value.IsError, value.TokenIds is not null, value.LogProbs is not null,
            value.PolicyVersion is not null, value.ReasoningTokens is not null, value.PromptTokens is not null, value.CompletionTokens is not null);
        var keys = Fields.Start(ref writer, _layout, present);
        if (keys.Next(ref writer, (int)MessageField.Role)) EnumNames<Role>.Write(ref writer, value.Role);
        if (keys.Next(ref writer, (int)MessageField.Content)) writer.Write(value.Content);
        if (keys.Next(ref writer, (int)MessageField.ToolCalls)) Lists.Write(ref writer, value.ToolCalls, _toolCalls, options);
        if (keys.Next(ref writer, (int)MessageField.ToolCallId)) writer.Write(value.ToolCallId);
        if (keys.Next(ref writer, (int)MessageField.Name)) writer.Write(value.Name);
        if (keys.Next(ref writer, (int)MessageField.Malformed)) writer.Write(value.Malformed);
        if (keys.Next(ref writer, (int)MessageField.IsError)) writer.Write(value.IsError);
        if (keys.Next(ref writer, (int)MessageField.TokenIds)) Lists.WriteInts(ref writer, value.TokenIds);
        if (keys.Next(ref writer, (int)MessageField.LogProbs)) Lists.WriteFloats(ref writer, value.LogProbs);
        if (keys.Next(ref writer, (int)MessageField.PolicyVersion)) Lists.WriteNullable(ref writer, value.PolicyVersion);
        if (keys.Next(ref writer, (int)MessageField.ReasoningTokens)) Lists.WriteNullable(ref writer, value.ReasoningTokens);
        if (keys.Next(ref writer, (int)MessageField.PromptTokens)) Lists.WriteNullable(ref writer, value.PromptTokens);
        if (keys.Next(ref writer, (int)MessageField.CompletionTokens)) Lists.WriteNullable(ref writer, value.CompletionTokens);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Message? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        Role? role = null;
        string content = "";
        IReadOnlyList<ToolCall> toolCalls = [];
        string? toolCallId = null, name = null;
        bool malformed = false, isError = false;
        IReadOnlyList<int>? tokenIds = null;
        IReadOnlyList<float>? logProbs = null;
        int? policyVersion = null, reasoningTokens = null, promptTokens = null, completionTokens = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((MessageField)Fields.Match(ref reader, i))
            {
                case MessageField.Role: role = EnumNames<Role>.Read(ref reader); break;
                case MessageField.Content: content = reader.ReadString() ?? ""; break;
                case MessageField.ToolCalls: toolCalls = Lists.Read(ref reader, _toolCalls, options) ?? []; break;
                case MessageField.ToolCallId: toolCallId = reader.ReadString(); break;
                case MessageField.Name: name = reader.ReadString(); break;
                case MessageField.Malformed: malformed = reader.ReadBoolean(); break;
                case MessageField.IsError: isError = reader.ReadBoolean(); break;
                case MessageField.TokenIds: tokenIds = Lists.ReadInts(ref reader); break;
                case MessageField.LogProbs: logProbs = Lists.ReadFloats(ref reader); break;
                case MessageField.PolicyVersion: policyVersion = Lists.ReadNullableInt(ref reader); break;
                case MessageField.ReasoningTokens: reasoningTokens = Lists.ReadNullableInt(ref reader); break;
                case MessageField.PromptTokens: promptTokens = Lists.ReadNullableInt(ref reader); break;
                case MessageField.CompletionTokens: completionTokens = Lists.ReadNullableInt(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new Message
        {
            Role = role ?? default,   // as the generic formatter read a map without it
            Content = content, ToolCalls = toolCalls, ToolCallId = toolCallId, Name = name, Malformed = malformed, IsError = isError,
            TokenIds = tokenIds, LogProbs = logProbs, PolicyVersion = policyVersion, ReasoningTokens = reasoningTokens,
            PromptTokens = promptTokens, CompletionTokens = completionTokens,
        };
    }
}

/// <summary>The stored members of <see cref="ToolCall"/> (see <see cref="MessageField"/>).</summary>
internal enum ToolCallField { Id, Name, ArgumentsJson }

/// <summary><see cref="ToolCall"/> as a map in format 1's or format 2's layout (all three members always written), without reflection.</summary>
internal sealed class ToolCallFormatter : IMessagePackFormatter<ToolCall?>
{
    public static readonly ToolCallFormatter Named = new(FieldLayout.Named), Numbered = new(FieldLayout.Numbered);

    internal static readonly FieldNames Fields = FieldNames.Of<ToolCallField>();

    private readonly FieldLayout _layout;

    private ToolCallFormatter(FieldLayout layout) => _layout = layout;

    public static ToolCallFormatter For(FieldLayout layout) => layout == FieldLayout.Named ? Named : Numbered;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, ToolCall? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var keys = Fields.Start(ref writer, _layout, Fields.All);
        if (keys.Next(ref writer, (int)ToolCallField.Id)) writer.Write(value.Id);
        if (keys.Next(ref writer, (int)ToolCallField.Name)) writer.Write(value.Name);
        if (keys.Next(ref writer, (int)ToolCallField.ArgumentsJson)) writer.Write(value.ArgumentsJson);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ToolCall? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        string? id = null, name = null, arguments = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((ToolCallField)Fields.Match(ref reader, i))
            {
                case ToolCallField.Id: id = reader.ReadString(); break;
                case ToolCallField.Name: name = reader.ReadString(); break;
                case ToolCallField.ArgumentsJson: arguments = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        return new ToolCall(id!, name!, arguments!);
    }
}
