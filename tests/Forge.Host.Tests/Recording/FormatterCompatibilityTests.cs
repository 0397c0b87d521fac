using System.Reflection;
using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Recording.Formatters;
using MessagePack;
using MessagePack.Resolvers;

namespace Forge.Host.Tests.Recording;

/// <summary>
/// The hand-written formatters keep format 1's layout when they append to a format-1 log: what they write, the generic formatters
/// (what format-1 builds used) read back equal, and the other way round. Format 2 (field numbers, defaults left out) reads back
/// equal and is smaller. They know every member of the types they handle, so a member added to <see cref="Trajectory"/>,
/// <see cref="Step"/>, <see cref="Message"/> or <see cref="ToolCall"/> without them fails here.
/// </summary>
public sealed class FormatterCompatibilityTests
{
    internal static readonly MessagePackSerializerOptions Generic = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create(DynamicEnumAsStringResolver.Instance, StandardResolver.Instance));

    public static TheoryData<string> Samples() => [.. SampleTrajectories.All().Select(t => t.EpisodeId)];

    private static Trajectory Sample(string id)
    {
        var t = SampleTrajectories.All().Single(t => t.EpisodeId == id);
        return t with
        {
            ParentEpisodeId = "parent-1", ForkStep = 1, RewardMode = RewardMode.Binary, Provenance = SampleTrajectories.Provenance(),
            TokenCount = TokenCountSource.Mixed, PromptTokens = 40,
            TokenSequences = [new TokenSequence([5, 6, 7, 8], [false, true, true, false], [0f, -0.25f, -1.5f, 0f]) { Calls = [0, 1], PolicyVersion = 4 },
                new TokenSequence([9], [true], [-0.125f])],
            Breakdown = t.Breakdown is { } b ? b with { Notes = new Dictionary<string, string> { ["judge"] = "fine" } } : null,
            Error = t.Error is { } e ? e with { Step = 0 } : null,
            Prompt = [.. t.Prompt.Select(m => m with { PromptTokens = 9, CompletionTokens = 2, ReasoningTokens = 1 })],
        };
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Version1Writer_GenericReader_ReadsTheSameTrajectory(string id)
    {
        var t = Sample(id);

        var bytes = MessagePackSerializer.Serialize(t, TrajectoryFormat.Version1WriteOptions);

        Assert.Equal(TestFiles.Canonical(t), TestFiles.Canonical(MessagePackSerializer.Deserialize<Trajectory>(bytes, Generic)));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void GenericWriter_Reader_ReadsTheSameTrajectory(string id)
    {
        var t = Sample(id);

        var bytes = MessagePackSerializer.Serialize(t, Generic);

        Assert.Equal(TestFiles.Canonical(t), TestFiles.Canonical(MessagePackSerializer.Deserialize<Trajectory>(bytes, TrajectoryFormat.ReadOptions)));
    }

    [Fact]
    public void Version1Writer_WritesTheSameBytesAsTheGenericWriter()
    {
        foreach (var t in SampleTrajectories.All().Select(t => Sample(t.EpisodeId)))
            Assert.Equal(MessagePackSerializer.Serialize(t, Generic), MessagePackSerializer.Serialize(t, TrajectoryFormat.Version1WriteOptions));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Version2Writer_Reader_ReadsTheSameTrajectoryFromFewerBytes(string id)
    {
        var t = Sample(id);

        var bytes = MessagePackSerializer.Serialize(t, TrajectoryFormat.WriteOptions);

        Assert.Equal(TestFiles.Canonical(t), TestFiles.Canonical(MessagePackSerializer.Deserialize<Trajectory>(bytes, TrajectoryFormat.ReadOptions)));
        Assert.True(bytes.Length * 2 < MessagePackSerializer.Serialize(t, Generic).Length, $"format 2 wrote {bytes.Length} bytes");
    }

    [Fact]
    public void Version2Writer_KeysByFieldNumber_LeavesDefaultsOut()
    {
        var t = SampleTrajectories.Errored();   // no run id, group, policy version, provenance, tools, reward, breakdown, token source

        var keys = NumberedKeys(MessagePackSerializer.Serialize(t, TrajectoryFormat.WriteOptions));

        Assert.Equal(new[] { TrajectoryField.EpisodeId, TrajectoryField.EnvironmentId, TrajectoryField.EnvironmentVersion, TrajectoryField.TaskId,
            TrajectoryField.Seed, TrajectoryField.AgentId, TrajectoryField.Prompt, TrajectoryField.Steps, TrajectoryField.Termination,
            TrajectoryField.Error, TrajectoryField.StartedAt, TrajectoryField.DurationMs }.Select(f => (int)f), keys);
    }

    [Fact]
    public void Version2Writer_NegativeZeroAndNaN_ComeBackAsTheyWere()
    {
        var t = SampleTrajectories.Errored() with { TotalReward = -0.0, DurationMs = double.NaN };

        var read = MessagePackSerializer.Deserialize<Trajectory>(MessagePackSerializer.Serialize(t, TrajectoryFormat.WriteOptions), TrajectoryFormat.ReadOptions);

        Assert.True(double.IsNegative(read.TotalReward) && read.TotalReward == 0);
        Assert.True(double.IsNaN(read.DurationMs));
    }

    [Theory]
    [InlineData(typeof(Trajectory))]
    [InlineData(typeof(Step))]
    [InlineData(typeof(Message))]
    [InlineData(typeof(ToolCall))]
    [InlineData(typeof(Provenance))]
    [InlineData(typeof(TaskProvenance))]
    [InlineData(typeof(EpisodeLimits))]
    [InlineData(typeof(SandboxProvenance))]
    [InlineData(typeof(AgentProvenance))]
    [InlineData(typeof(ToolSpec))]
    [InlineData(typeof(RewardBreakdown))]
    [InlineData(typeof(EpisodeError))]
    [InlineData(typeof(TokenSequence))]
    public void Formatter_KnowsEveryStoredMember(Type type)
    {
        var stored = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<IgnoreMemberAttribute>() is null && p.Name != "EqualityContract").Select(p => p.Name).Order();
        var fields = (FieldNames)typeof(TrajectoryFormatter).Assembly.GetType($"Forge.Host.Recording.Formatters.{type.Name}Formatter", throwOnError: true)!
            .GetField("Fields", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;

        Assert.Equal(stored, fields.Names.Order());
    }

    [Fact]
    public void Version2Options_HaveTheirOwnFormatterForEveryStoredRecordType()
    {
        foreach (var type in new[] { typeof(Provenance), typeof(TaskProvenance), typeof(EpisodeLimits), typeof(SandboxProvenance), typeof(AgentProvenance),
                     typeof(ToolSpec), typeof(RewardBreakdown), typeof(EpisodeError), typeof(TokenSequence), typeof(Trajectory), typeof(Step), typeof(Message), typeof(ToolCall) })
        {
            var formatter = TrajectoryFormat.WriteOptions.Resolver.GetFormatterDynamic(type)!;
            Assert.Equal($"Forge.Host.Recording.Formatters.{type.Name}Formatter", formatter.GetType().FullName);
        }
    }

    [Fact]
    public void Reader_UnknownNumberedKeysAndAnyOrder_AreRead()
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(writer);
        w.WriteMapHeader(4);
        w.Write((int)TrajectoryField.TaskId); w.Write("t");
        w.Write(100); w.WriteArrayHeader(2); w.Write(1); w.Write("x");
        w.Write((int)TrajectoryField.EnvironmentId); w.Write("e");
        w.Write((int)TrajectoryField.EpisodeId); w.Write("ep");
        w.Flush();

        var t = MessagePackSerializer.Deserialize<Trajectory>(writer.WrittenMemory, TrajectoryFormat.ReadOptions);

        Assert.Equal(("ep", "e", "t"), (t.EpisodeId, t.EnvironmentId, t.TaskId));
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

    private static List<int> NumberedKeys(byte[] map)
    {
        var reader = new MessagePackReader(map);
        var keys = new List<int>();
        for (var n = reader.ReadMapHeader(); n > 0; n--)
        {
            keys.Add(reader.ReadInt32());
            reader.Skip();
        }
        return keys;
    }
}
