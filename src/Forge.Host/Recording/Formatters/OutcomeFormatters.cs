using System.Runtime.CompilerServices;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

// Format 2's layout of a trajectory's tools, reward breakdown and error (see ProvenanceFormatters.cs); the readers take format 1's too.

/// <summary>The stored members of <see cref="ToolSpec"/> (see <see cref="MessageField"/>).</summary>
internal enum ToolSpecField { Name, Description, ParametersSchemaJson }

/// <summary><see cref="ToolSpec"/> in format 2's layout (all three members written); reads format 1's too.</summary>
internal sealed class ToolSpecFormatter : IMessagePackFormatter<ToolSpec?>
{
    public static readonly ToolSpecFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<ToolSpecField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, ToolSpec? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, Fields.All);
        if (keys.Next(ref writer, (int)ToolSpecField.Name)) writer.Write(value.Name);
        if (keys.Next(ref writer, (int)ToolSpecField.Description)) writer.Write(value.Description);
        if (keys.Next(ref writer, (int)ToolSpecField.ParametersSchemaJson)) writer.Write(value.ParametersSchemaJson);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ToolSpec? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        string? name = null, description = null, schema = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((ToolSpecField)Fields.Match(ref reader, i))
            {
                case ToolSpecField.Name: name = reader.ReadString(); break;
                case ToolSpecField.Description: description = reader.ReadString(); break;
                case ToolSpecField.ParametersSchemaJson: schema = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        return new ToolSpec(name!, description!, schema!);
    }
}

/// <summary>The stored members of <see cref="RewardBreakdown"/>.</summary>
internal enum RewardBreakdownField { Scores, Total, Success, Notes, Judgements }

/// <summary><see cref="RewardBreakdown"/> in format 2's layout (scores, total and success always written); reads format 1's too.</summary>
internal sealed class RewardBreakdownFormatter : IMessagePackFormatter<RewardBreakdown?>
{
    public static readonly RewardBreakdownFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<RewardBreakdownField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, RewardBreakdown? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, Present.Mask(true, true, true, value.Notes is not null, value.Judgements is not null));
        if (keys.Next(ref writer, (int)RewardBreakdownField.Scores)) Lists.WriteScores(ref writer, value.Scores);
        if (keys.Next(ref writer, (int)RewardBreakdownField.Total)) writer.Write(value.Total);
        if (keys.Next(ref writer, (int)RewardBreakdownField.Success)) writer.Write(value.Success);
        if (keys.Next(ref writer, (int)RewardBreakdownField.Notes)) Lists.WriteStrings(ref writer, value.Notes);
        // Rare (LLM-judged rewards only): verdicts are written by their type's own keyed-by-name formatter.
        if (keys.Next(ref writer, (int)RewardBreakdownField.Judgements))
            options.Resolver.GetFormatterWithVerify<IReadOnlyDictionary<string, Forge.Core.Rewards.Judgement>?>().Serialize(ref writer, value.Judgements, options);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RewardBreakdown? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        IReadOnlyDictionary<string, double>? scores = null;
        IReadOnlyDictionary<string, string>? notes = null;
        IReadOnlyDictionary<string, Forge.Core.Rewards.Judgement>? judgements = null;
        double total = 0;
        var success = false;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((RewardBreakdownField)Fields.Match(ref reader, i))
            {
                case RewardBreakdownField.Scores: scores = Lists.ReadScores(ref reader); break;
                case RewardBreakdownField.Total: total = reader.ReadDouble(); break;
                case RewardBreakdownField.Success: success = reader.ReadBoolean(); break;
                case RewardBreakdownField.Notes: notes = Lists.ReadStrings(ref reader); break;
                case RewardBreakdownField.Judgements:
                    judgements = options.Resolver.GetFormatterWithVerify<IReadOnlyDictionary<string, Forge.Core.Rewards.Judgement>?>().Deserialize(ref reader, options);
                    break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new RewardBreakdown(scores!, total, success) { Notes = notes, Judgements = judgements };
    }
}

/// <summary>The stored members of <see cref="EpisodeError"/>.</summary>
internal enum EpisodeErrorField { Boundary, Type, Message, Step }

/// <summary><see cref="EpisodeError"/> in format 2's layout (the boundary by name); reads format 1's too.</summary>
internal sealed class EpisodeErrorFormatter : IMessagePackFormatter<EpisodeError?>
{
    public static readonly EpisodeErrorFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<EpisodeErrorField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, EpisodeError? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, Present.Mask(true, true, true, value.Step is not null));
        if (keys.Next(ref writer, (int)EpisodeErrorField.Boundary)) EnumNames<ErrorBoundary>.Write(ref writer, value.Boundary);
        if (keys.Next(ref writer, (int)EpisodeErrorField.Type)) writer.Write(value.Type);
        if (keys.Next(ref writer, (int)EpisodeErrorField.Message)) writer.Write(value.Message);
        if (keys.Next(ref writer, (int)EpisodeErrorField.Step)) Lists.WriteNullable(ref writer, value.Step);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EpisodeError? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        var boundary = default(ErrorBoundary);
        string? type = null, message = null;
        int? step = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((EpisodeErrorField)Fields.Match(ref reader, i))
            {
                case EpisodeErrorField.Boundary: boundary = EnumNames<ErrorBoundary>.Read(ref reader); break;
                case EpisodeErrorField.Type: type = reader.ReadString(); break;
                case EpisodeErrorField.Message: message = reader.ReadString(); break;
                case EpisodeErrorField.Step: step = Lists.ReadNullableInt(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        return new EpisodeError(boundary, type!, message!) { Step = step };
    }
}
