using System.Runtime.CompilerServices;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

/// <summary>The stored members of <see cref="TokenSequence"/>.</summary>
internal enum TokenSequenceField { Ids, PolicyMask, LogProbs, Calls, PolicyVersion }

/// <summary><see cref="TokenSequence"/> in format 2's layout (ids, mask and log-probs always written); reads format 1's too.</summary>
internal sealed class TokenSequenceFormatter : IMessagePackFormatter<TokenSequence?>
{
    public static readonly TokenSequenceFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<TokenSequenceField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, TokenSequence? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, Present.Mask(true, true, true, Present.NonEmpty(value.Calls), value.PolicyVersion is not null));
        if (keys.Next(ref writer, (int)TokenSequenceField.Ids)) Lists.WriteInts(ref writer, value.Ids);
        if (keys.Next(ref writer, (int)TokenSequenceField.PolicyMask)) Lists.WriteBools(ref writer, value.PolicyMask);
        if (keys.Next(ref writer, (int)TokenSequenceField.LogProbs)) Lists.WriteFloats(ref writer, value.LogProbs);
        if (keys.Next(ref writer, (int)TokenSequenceField.Calls)) Lists.WriteInts(ref writer, value.Calls);
        if (keys.Next(ref writer, (int)TokenSequenceField.PolicyVersion)) Lists.WriteNullable(ref writer, value.PolicyVersion);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TokenSequence? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        int[]? ids = null, calls = null;
        bool[]? mask = null;
        float[]? logProbs = null;
        int? policyVersion = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((TokenSequenceField)Fields.Match(ref reader, i))
            {
                case TokenSequenceField.Ids: ids = Lists.ReadInts(ref reader); break;
                case TokenSequenceField.PolicyMask: mask = Lists.ReadBools(ref reader); break;
                case TokenSequenceField.LogProbs: logProbs = Lists.ReadFloats(ref reader); break;
                case TokenSequenceField.Calls: calls = Lists.ReadInts(ref reader); break;
                case TokenSequenceField.PolicyVersion: policyVersion = Lists.ReadNullableInt(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        return new TokenSequence(ids ?? [], mask ?? [], logProbs ?? []) { Calls = calls ?? [], PolicyVersion = policyVersion };
    }
}
