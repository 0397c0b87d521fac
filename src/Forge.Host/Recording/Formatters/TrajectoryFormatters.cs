using System.Runtime.CompilerServices;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

/// <summary><see cref="Step"/> as a map keyed by property name (format 1's layout), without reflection.</summary>
internal sealed class StepFormatter : IMessagePackFormatter<Step?>
{
    public static readonly StepFormatter Instance = new();

    internal static readonly FieldNames Fields = new(nameof(Step.Index), nameof(Step.Action), nameof(Step.Observation), nameof(Step.Reward),
        nameof(Step.AgentMs), nameof(Step.EnvironmentMs), nameof(Step.Info));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, Step? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        writer.WriteMapHeader(Fields.Names.Count);
        Fields.Write(ref writer, 0); writer.Write(value.Index);
        Fields.Write(ref writer, 1); MessageFormatter.Instance.Serialize(ref writer, value.Action, options);
        Fields.Write(ref writer, 2); Lists.Write(ref writer, value.Observation, MessageFormatter.Instance, options);
        Fields.Write(ref writer, 3); writer.Write(value.Reward);
        Fields.Write(ref writer, 4); writer.Write(value.AgentMs);
        Fields.Write(ref writer, 5); writer.Write(value.EnvironmentMs);
        Fields.Write(ref writer, 6); Lists.WriteStrings(ref writer, value.Info);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Step? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        var index = 0;
        Message? action = null;
        IReadOnlyList<Message> observation = [];
        double reward = 0, agentMs = 0, environmentMs = 0;
        IReadOnlyDictionary<string, string>? info = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch (Fields.Match(ref reader, i))
            {
                case 0: index = reader.ReadInt32(); break;
                case 1: action = MessageFormatter.Instance.Deserialize(ref reader, options); break;
                case 2: observation = Lists.Read(ref reader, MessageFormatter.Instance, options)!; break;
                case 3: reward = reader.ReadDouble(); break;
                case 4: agentMs = reader.ReadDouble(); break;
                case 5: environmentMs = reader.ReadDouble(); break;
                case 6: info = Lists.ReadStrings(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new Step
        {
            Index = index, Action = action!, Observation = observation ?? [], Reward = reward, AgentMs = agentMs, EnvironmentMs = environmentMs,
            Info = info ?? Lists.NoStrings,
        };
    }
}

/// <summary>
/// <see cref="Trajectory"/> as a map keyed by property name, exactly as format 1's generic formatter wrote it (so older logs read
/// and older readers read new ones), written and read without reflection. Rarely bulky members (provenance, tools, breakdown,
/// error, start time) go through the resolver.
/// </summary>
internal sealed class TrajectoryFormatter : IMessagePackFormatter<Trajectory?>
{
    public static readonly TrajectoryFormatter Instance = new();

    internal static readonly FieldNames Fields = new(
        nameof(Trajectory.EpisodeId), nameof(Trajectory.RunId), nameof(Trajectory.GroupId), nameof(Trajectory.EnvironmentId),           // 0-3
        nameof(Trajectory.EnvironmentVersion), nameof(Trajectory.TaskId), nameof(Trajectory.Seed), nameof(Trajectory.AgentId),           // 4-7
        nameof(Trajectory.PolicyVersion), nameof(Trajectory.Provenance), nameof(Trajectory.ParentEpisodeId), nameof(Trajectory.ForkStep), // 8-11
        nameof(Trajectory.Prompt), nameof(Trajectory.Tools), nameof(Trajectory.Steps), nameof(Trajectory.TotalReward),                   // 12-15
        nameof(Trajectory.RewardMode), nameof(Trajectory.Breakdown), nameof(Trajectory.Termination), nameof(Trajectory.TruncationReason), // 16-19
        nameof(Trajectory.Error), nameof(Trajectory.StartedAt), nameof(Trajectory.DurationMs), nameof(Trajectory.ToolErrorCount),        // 20-23
        nameof(Trajectory.MalformedCount), nameof(Trajectory.AssistantTokens), nameof(Trajectory.TokenCount), nameof(Trajectory.PromptTokens)); // 24-27

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, Trajectory? t, MessagePackSerializerOptions options)
    {
        if (t is null) { writer.WriteNil(); return; }
        writer.WriteMapHeader(Fields.Names.Count);
        Fields.Write(ref writer, 0); writer.Write(t.EpisodeId);
        Fields.Write(ref writer, 1); writer.Write(t.RunId);
        Fields.Write(ref writer, 2); writer.Write(t.GroupId);
        Fields.Write(ref writer, 3); writer.Write(t.EnvironmentId);
        Fields.Write(ref writer, 4); writer.Write(t.EnvironmentVersion);
        Fields.Write(ref writer, 5); writer.Write(t.TaskId);
        Fields.Write(ref writer, 6); writer.Write(t.Seed);
        Fields.Write(ref writer, 7); writer.Write(t.AgentId);
        Fields.Write(ref writer, 8); Lists.WriteNullable(ref writer, t.PolicyVersion);
        Fields.Write(ref writer, 9); Lists.WriteOther(ref writer, t.Provenance, options);
        Fields.Write(ref writer, 10); writer.Write(t.ParentEpisodeId);
        Fields.Write(ref writer, 11); Lists.WriteNullable(ref writer, t.ForkStep);
        Fields.Write(ref writer, 12); Lists.Write(ref writer, t.Prompt, MessageFormatter.Instance, options);
        Fields.Write(ref writer, 13); Lists.WriteOther(ref writer, t.Tools, options);
        Fields.Write(ref writer, 14); Lists.Write(ref writer, t.Steps, StepFormatter.Instance, options);
        Fields.Write(ref writer, 15); writer.Write(t.TotalReward);
        Fields.Write(ref writer, 16); if (t.RewardMode is { } mode) EnumNames<RewardMode>.Write(ref writer, mode); else writer.WriteNil();
        Fields.Write(ref writer, 17); Lists.WriteOther(ref writer, t.Breakdown, options);
        Fields.Write(ref writer, 18); EnumNames<Termination>.Write(ref writer, t.Termination);
        Fields.Write(ref writer, 19); writer.Write(t.TruncationReason);
        Fields.Write(ref writer, 20); Lists.WriteOther(ref writer, t.Error, options);
        Fields.Write(ref writer, 21); Lists.WriteOther(ref writer, t.StartedAt, options);
        Fields.Write(ref writer, 22); writer.Write(t.DurationMs);
        Fields.Write(ref writer, 23); writer.Write(t.ToolErrorCount);
        Fields.Write(ref writer, 24); writer.Write(t.MalformedCount);
        Fields.Write(ref writer, 25); writer.Write(t.AssistantTokens);
        Fields.Write(ref writer, 26); if (t.TokenCount is { } source) EnumNames<TokenCountSource>.Write(ref writer, source); else writer.WriteNil();
        Fields.Write(ref writer, 27); Lists.WriteNullable(ref writer, t.PromptTokens);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Trajectory? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        string? episodeId = null, environmentId = null, taskId = null, parentEpisodeId = null, truncationReason = null;
        string runId = "", groupId = "", environmentVersion = "", agentId = "";
        int seed = 0, toolErrorCount = 0, malformedCount = 0, assistantTokens = 0;
        int? policyVersion = null, forkStep = null, promptTokens = null;
        TokenCountSource? tokenCount = null;
        Provenance? provenance = null;
        IReadOnlyList<Message> prompt = [];
        IReadOnlyList<ToolSpec> tools = [];
        IReadOnlyList<Step> steps = [];
        double totalReward = 0, durationMs = 0;
        RewardMode? rewardMode = null;
        RewardBreakdown? breakdown = null;
        var termination = default(Termination);
        EpisodeError? error = null;
        DateTimeOffset startedAt = default;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch (Fields.Match(ref reader, i))
            {
                case 0: episodeId = reader.ReadString(); break;
                case 1: runId = reader.ReadString() ?? ""; break;
                case 2: groupId = reader.ReadString() ?? ""; break;
                case 3: environmentId = reader.ReadString(); break;
                case 4: environmentVersion = reader.ReadString() ?? ""; break;
                case 5: taskId = reader.ReadString(); break;
                case 6: seed = reader.ReadInt32(); break;
                case 7: agentId = reader.ReadString() ?? ""; break;
                case 8: policyVersion = Lists.ReadNullableInt(ref reader); break;
                case 9: provenance = Lists.ReadOther<Provenance?>(ref reader, options); break;
                case 10: parentEpisodeId = reader.ReadString(); break;
                case 11: forkStep = Lists.ReadNullableInt(ref reader); break;
                case 12: prompt = Lists.Read(ref reader, MessageFormatter.Instance, options) ?? []; break;
                case 13: tools = Lists.ReadOther<IReadOnlyList<ToolSpec>?>(ref reader, options) ?? []; break;
                case 14: steps = Lists.Read(ref reader, StepFormatter.Instance, options) ?? []; break;
                case 15: totalReward = reader.ReadDouble(); break;
                case 16: rewardMode = reader.TryReadNil() ? null : EnumNames<RewardMode>.Read(ref reader); break;
                case 17: breakdown = Lists.ReadOther<RewardBreakdown?>(ref reader, options); break;
                case 18: termination = EnumNames<Termination>.Read(ref reader); break;
                case 19: truncationReason = reader.ReadString(); break;
                case 20: error = Lists.ReadOther<EpisodeError?>(ref reader, options); break;
                case 21: startedAt = Lists.ReadOther<DateTimeOffset>(ref reader, options); break;
                case 22: durationMs = reader.ReadDouble(); break;
                case 23: toolErrorCount = reader.ReadInt32(); break;
                case 24: malformedCount = reader.ReadInt32(); break;
                case 25: assistantTokens = reader.ReadInt32(); break;
                case 26: tokenCount = reader.TryReadNil() ? null : EnumNames<TokenCountSource>.Read(ref reader); break;
                case 27: promptTokens = Lists.ReadNullableInt(ref reader); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new Trajectory
        {
            // A record without one of the three required ids is reported as corrupt by the reader (TrajectoryCodec.Missing).
            EpisodeId = episodeId!, RunId = runId, GroupId = groupId, EnvironmentId = environmentId!, EnvironmentVersion = environmentVersion,
            TaskId = taskId!, Seed = seed, AgentId = agentId, PolicyVersion = policyVersion, Provenance = provenance, ParentEpisodeId = parentEpisodeId,
            ForkStep = forkStep, Prompt = prompt, Tools = tools, Steps = steps, TotalReward = totalReward, RewardMode = rewardMode, Breakdown = breakdown,
            Termination = termination, TruncationReason = truncationReason, Error = error, StartedAt = startedAt, DurationMs = durationMs,
            ToolErrorCount = toolErrorCount, MalformedCount = malformedCount, AssistantTokens = assistantTokens,
            TokenCount = tokenCount, PromptTokens = promptTokens,
        };
    }
}
