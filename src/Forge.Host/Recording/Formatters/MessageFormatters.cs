using System.Runtime.CompilerServices;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

/// <summary>
/// <see cref="Message"/> as a map keyed by property name, exactly as the generic object formatter wrote it in format 1, written
/// and read without reflection or key strings: the log's hottest type (every prompt, action and observation).
/// </summary>
internal sealed class MessageFormatter : IMessagePackFormatter<Message?>
{
    public static readonly MessageFormatter Instance = new();

    internal static readonly FieldNames Fields = new(nameof(Message.Role), nameof(Message.Content), nameof(Message.ToolCalls), nameof(Message.ToolCallId),
        nameof(Message.Name), nameof(Message.Malformed), nameof(Message.IsError), nameof(Message.TokenIds), nameof(Message.LogProbs),
        nameof(Message.PolicyVersion), nameof(Message.ReasoningTokens), nameof(Message.PromptTokens), nameof(Message.CompletionTokens));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, Message? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteMapHeader(Fields.Names.Count);
        Fields.Write(ref writer, 0); EnumNames<Role>.Write(ref writer, value.Role);
        Fields.Write(ref writer, 1); writer.Write(value.Content);
        Fields.Write(ref writer, 2); Lists.Write(ref writer, value.ToolCalls, ToolCallFormatter.Instance, options);
        Fields.Write(ref writer, 3); writer.Write(value.ToolCallId);
        Fields.Write(ref writer, 4); writer.Write(value.Name);
        Fields.Write(ref writer, 5); writer.Write(value.Malformed);
        Fields.Write(ref writer, 6); writer.Write(value.IsError);
        Fields.Write(ref writer, 7); Lists.WriteInts(ref writer, value.TokenIds);
        Fields.Write(ref writer, 8); Lists.WriteFloats(ref writer, value.LogProbs);
        Fields.Write(ref writer, 9); Lists.WriteNullable(ref writer, value.PolicyVersion);
        Fields.Write(ref writer, 10); Lists.WriteNullable(ref writer, value.ReasoningTokens);
        Fields.Write(ref writer, 11); Lists.WriteNullable(ref writer, value.PromptTokens);
        Fields.Write(ref writer, 12); Lists.WriteNullable(ref writer, value.CompletionTokens);
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
            switch (Fields.Match(ref reader, i))
            {
                case 0: role = EnumNames<Role>.Read(ref reader); break;
                case 1: content = reader.ReadString() ?? ""; break;
                case 2: toolCalls = Lists.Read(ref reader, ToolCallFormatter.Instance, options) ?? []; break;
                case 3: toolCallId = reader.ReadString(); break;
                case 4: name = reader.ReadString(); break;
                case 5: malformed = reader.ReadBoolean(); break;
                case 6: isError = reader.ReadBoolean(); break;
                case 7: tokenIds = Lists.ReadInts(ref reader); break;
                case 8: logProbs = Lists.ReadFloats(ref reader); break;
                case 9: policyVersion = Lists.ReadNullableInt(ref reader); break;
                case 10: reasoningTokens = Lists.ReadNullableInt(ref reader); break;
                case 11: promptTokens = Lists.ReadNullableInt(ref reader); break;
                case 12: completionTokens = Lists.ReadNullableInt(ref reader); break;
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

/// <summary><see cref="ToolCall"/> as a map keyed by property name (format 1's layout), without reflection.</summary>
internal sealed class ToolCallFormatter : IMessagePackFormatter<ToolCall?>
{
    public static readonly ToolCallFormatter Instance = new();

    internal static readonly FieldNames Fields = new(nameof(ToolCall.Id), nameof(ToolCall.Name), nameof(ToolCall.ArgumentsJson));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, ToolCall? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteMapHeader(3);
        Fields.Write(ref writer, 0); writer.Write(value.Id);
        Fields.Write(ref writer, 1); writer.Write(value.Name);
        Fields.Write(ref writer, 2); writer.Write(value.ArgumentsJson);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ToolCall? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        string? id = null, name = null, arguments = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch (Fields.Match(ref reader, i))
            {
                case 0: id = reader.ReadString(); break;
                case 1: name = reader.ReadString(); break;
                case 2: arguments = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        return new ToolCall(id!, name!, arguments!);
    }
}
