using System.Reflection;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Recording.Formatters;
using MessagePack;
using MessagePack.Resolvers;

namespace Forge.Host.Tests.Recording;

/// <summary>
/// The hand-written formatters keep format 1's layout: what they write, the generic formatters (what earlier builds used) read
/// back equal, and the other way round; and they know every member of the types they handle, so a member added to
/// <see cref="Trajectory"/>, <see cref="Step"/>, <see cref="Message"/> or <see cref="ToolCall"/> without them fails here.
/// </summary>
public sealed class FormatterCompatibilityTests
{
    private static readonly MessagePackSerializerOptions Generic = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(DynamicEnumAsStringResolver.Instance, StandardResolver.Instance));

    public static TheoryData<string> Samples() => [.. SampleTrajectories.All().Select(t => t.EpisodeId)];

    private static Trajectory Sample(string id) => SampleTrajectories.All().Single(t => t.EpisodeId == id) with
    {
        ParentEpisodeId = "parent-1", ForkStep = 1, RewardMode = RewardMode.Binary,
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void NewWriter_GenericReader_ReadsTheSameTrajectory(string id)
    {
        var t = Sample(id);

        var bytes = MessagePackSerializer.Serialize(t, TrajectoryFormat.WriteOptions);

        Assert.Equal(TestFiles.Canonical(t), TestFiles.Canonical(MessagePackSerializer.Deserialize<Trajectory>(bytes, Generic)));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void GenericWriter_NewReader_ReadsTheSameTrajectory(string id)
    {
        var t = Sample(id);

        var bytes = MessagePackSerializer.Serialize(t, Generic);

        Assert.Equal(TestFiles.Canonical(t), TestFiles.Canonical(MessagePackSerializer.Deserialize<Trajectory>(bytes, TrajectoryFormat.ReadOptions)));
    }

    [Fact]
    public void NewWriter_WritesTheSameKeysAsTheGenericWriter()
    {
        var t = Sample("ep-0004");

        Assert.Equal(Keys(MessagePackSerializer.Serialize(t, Generic)).Order(), Keys(MessagePackSerializer.Serialize(t, TrajectoryFormat.WriteOptions)).Order());
    }

    [Theory]
    [InlineData(typeof(Trajectory))]
    [InlineData(typeof(Step))]
    [InlineData(typeof(Message))]
    [InlineData(typeof(ToolCall))]
    public void Formatter_KnowsEveryStoredMember(Type type)
    {
        var stored = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<IgnoreMemberAttribute>() is null && p.Name != "EqualityContract").Select(p => p.Name).Order();
        var fields = type == typeof(Trajectory) ? TrajectoryFormatter.Fields : type == typeof(Step) ? StepFormatter.Fields
            : type == typeof(Message) ? MessageFormatter.Fields : ToolCallFormatter.Fields;

        Assert.Equal(stored, fields.Names.Order());
    }

    [Fact]
    public void Reader_UnknownKeysAndAnyOrder_AreRead()
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(writer);
        w.WriteMapHeader(4);
        w.Write("TaskId"); w.Write("t");
        w.Write("FromTheFuture"); w.WriteArrayHeader(2); w.Write(1); w.Write("x");
        w.Write("EnvironmentId"); w.Write("e");
        w.Write("EpisodeId"); w.Write("ep");
        w.Flush();

        var t = MessagePackSerializer.Deserialize<Trajectory>(writer.WrittenMemory, TrajectoryFormat.ReadOptions);

        Assert.Equal(("ep", "e", "t"), (t.EpisodeId, t.EnvironmentId, t.TaskId));
    }

    private static List<string> Keys(byte[] map)
    {
        var reader = new MessagePackReader(map);
        var keys = new List<string>();
        for (var n = reader.ReadMapHeader(); n > 0; n--)
        {
            keys.Add(reader.ReadString()!);
            reader.Skip();
        }
        return keys;
    }
}
