using System.Runtime.CompilerServices;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

/// <summary>The stored members of <see cref="Step"/> (see <see cref="MessageField"/>).</summary>
internal enum StepField { Index, Action, Observation, Reward, AgentMs, EnvironmentMs, Info }

/// <summary><see cref="Step"/> as a map in format 1's or format 2's layout, without reflection; reading takes either.</summary>
internal sealed class StepFormatter : IMessagePackFormatter<Step?>
{
    public static readonly StepFormatter Named = new(FieldLayout.Named), Numbered = new(FieldLayout.Numbered);

    internal static readonly FieldNames Fields = FieldNames.Of<StepField>();

    private readonly FieldLayout _layout;
    private readonly MessageFormatter _messages;

    private StepFormatter(FieldLayout layout) => (_layout, _messages) = (layout, MessageFormatter.For(layout));

    public static StepFormatter For(FieldLayout layout) => layout == FieldLayout.Named ? Named : Numbered;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, Step? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var present = Present.Mask(value.Index != 0, true, Present.NonEmpty(value.Observation), Present.NonZero(value.Reward),
            Present.NonZero(value.AgentMs), Present.NonZero(value.EnvironmentMs), Present.NonEmpty(value.Info));
        var keys = Fields.Start(ref writer, _layout, present);
        if (keys.Next(ref writer, (int)StepField.Index)) writer.Write(value.Index);
        if (keys.Next(ref writer, (int)StepField.Action)) _messages.Serialize(ref writer, value.Action, options);
        if (keys.Next(ref writer, (int)StepField.Observation)) Lists.Write(ref writer, value.Observation, _messages, options);
        if (keys.Next(ref writer, (int)StepField.Reward)) writer.Write(value.Reward);
        if (keys.Next(ref writer, (int)StepField.AgentMs)) writer.Write(value.AgentMs);
        if (keys.Next(ref writer, (int)StepField.EnvironmentMs)) writer.Write(value.EnvironmentMs);
        if (keys.Next(ref writer, (int)StepField.Info)) Lists.WriteStrings(ref writer, value.Info);
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
            switch ((StepField)Fields.Match(ref reader, i))
            {
                case StepField.Index: index = reader.ReadInt32(); break;
                case StepField.Action: action = _messages.Deserialize(ref reader, options); break;
                case StepField.Observation: observation = Lists.Read(ref reader, _messages, options)!; break;
                case StepField.Reward: reward = reader.ReadDouble(); break;
                case StepField.AgentMs: agentMs = reader.ReadDouble(); break;
                case StepField.EnvironmentMs: environmentMs = reader.ReadDouble(); break;
                case StepField.Info: info = Lists.ReadStrings(ref reader); break;
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

/// <summary>The stored members of <see cref="Trajectory"/> (see <see cref="MessageField"/>).</summary>
internal enum TrajectoryField
{
    EpisodeId, RunId, GroupId, EnvironmentId, EnvironmentVersion, TaskId, Seed, AgentId,                      // 0-7
    PolicyVersion, Provenance, ParentEpisodeId, ForkStep, Prompt, Tools, Steps, TotalReward,                  // 8-15
    RewardMode, Breakdown, Termination, TruncationReason, Error, StartedAt, DurationMs, ToolErrorCount,       // 16-23
    MalformedCount, AssistantTokens, TokenCount, PromptTokens, TokenSequences,                                // 24-28
}

/// <summary>
/// <see cref="Trajectory"/> as a map in format 1's layout (exactly as format 1's generic formatter wrote it, so older readers read
/// a format-1 log this build appends to) or format 2's, written and read without reflection; reading takes either. Rarely bulky
/// members (provenance, tools, breakdown, error, start time, token sequences) go through the resolver in both.
/// </summary>
internal sealed class TrajectoryFormatter : IMessagePackFormatter<Trajectory?>
{
    public static readonly TrajectoryFormatter Named = new(FieldLayout.Named), Numbered = new(FieldLayout.Numbered);

    internal static readonly FieldNames Fields = FieldNames.Of<TrajectoryField>();

    private readonly FieldLayout _layout;
    private readonly MessageFormatter _messages;
    private readonly StepFormatter _steps;

    private TrajectoryFormatter(FieldLayout layout) => (_layout, _messages, _steps) = (layout, MessageFormatter.For(layout), StepFormatter.For(layout));

    public static TrajectoryFormatter For(FieldLayout layout) => layout == FieldLayout.Named ? Named : Numbered;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, Trajectory? t, MessagePackSerializerOptions options)
    {
        if (t is null) { writer.WriteNil(); return; }
        var present = Present.Mask(
            t.EpisodeId is not null, Present.NonEmpty(t.RunId), Present.NonEmpty(t.GroupId), t.EnvironmentId is not null,
            Present.NonEmpty(t.EnvironmentVersion), t.TaskId is not null, t.Seed != 0, Present.NonEmpty(t.AgentId),
            t.PolicyVersion is not null, t.Provenance is not null, t.ParentEpisodeId is not null, t.ForkStep is not null,
            Present.NonEmpty(t.Prompt), Present.NonEmpty(t.Tools), Present.NonEmpty(t.Steps), Present.NonZero(t.TotalReward),
            t.RewardMode is not null, t.Breakdown is not null, t.Termination != default, t.TruncationReason is not null,
            t.Error is not null, t.StartedAt != default || t.StartedAt.Offset != TimeSpan.Zero, Present.NonZero(t.DurationMs), t.ToolErrorCount != 0,
            t.MalformedCount != 0, t.AssistantTokens != 0, t.TokenCount is not null, t.PromptTokens is not null,
            Present.NonEmpty(t.TokenSequences));
        var keys = Fields.Start(ref writer, _layout, present);
        if (keys.Next(ref writer, (int)TrajectoryField.EpisodeId)) writer.Write(t.EpisodeId);
        if (keys.Next(ref writer, (int)TrajectoryField.RunId)) writer.Write(t.RunId);
        if (keys.Next(ref writer, (int)TrajectoryField.GroupId)) writer.Write(t.GroupId);
        if (keys.Next(ref writer, (int)TrajectoryField.EnvironmentId)) writer.Write(t.EnvironmentId);
        if (keys.Next(ref writer, (int)TrajectoryField.EnvironmentVersion)) writer.Write(t.EnvironmentVersion);
        if (keys.Next(ref writer, (int)TrajectoryField.TaskId)) writer.Write(t.TaskId);
        if (keys.Next(ref writer, (int)TrajectoryField.Seed)) writer.Write(t.Seed);
        if (keys.Next(ref writer, (int)TrajectoryField.AgentId)) writer.Write(t.AgentId);
        if (keys.Next(ref writer, (int)TrajectoryField.PolicyVersion)) Lists.WriteNullable(ref writer, t.PolicyVersion);
        if (keys.Next(ref writer, (int)TrajectoryField.Provenance)) Lists.WriteOther(ref writer, t.Provenance, options);
        if (keys.Next(ref writer, (int)TrajectoryField.ParentEpisodeId)) writer.Write(t.ParentEpisodeId);
        if (keys.Next(ref writer, (int)TrajectoryField.ForkStep)) Lists.WriteNullable(ref writer, t.ForkStep);
        if (keys.Next(ref writer, (int)TrajectoryField.Prompt)) Lists.Write(ref writer, t.Prompt, _messages, options);
        if (keys.Next(ref writer, (int)TrajectoryField.Tools)) Lists.WriteOther(ref writer, t.Tools, options);
        if (keys.Next(ref writer, (int)TrajectoryField.Steps)) Lists.Write(ref writer, t.Steps, _steps, options);
        if (keys.Next(ref writer, (int)TrajectoryField.TotalReward)) writer.Write(t.TotalReward);
        if (keys.Next(ref writer, (int)TrajectoryField.RewardMode)) { if (t.RewardMode is { } mode) EnumNames<RewardMode>.Write(ref writer, mode); else writer.WriteNil(); }
        if (keys.Next(ref writer, (int)TrajectoryField.Breakdown)) Lists.WriteOther(ref writer, t.Breakdown, options);
        if (keys.Next(ref writer, (int)TrajectoryField.Termination)) EnumNames<Termination>.Write(ref writer, t.Termination);
        if (keys.Next(ref writer, (int)TrajectoryField.TruncationReason)) writer.Write(t.TruncationReason);
        if (keys.Next(ref writer, (int)TrajectoryField.Error)) Lists.WriteOther(ref writer, t.Error, options);
        if (keys.Next(ref writer, (int)TrajectoryField.StartedAt)) Lists.WriteOther(ref writer, t.StartedAt, options);
        if (keys.Next(ref writer, (int)TrajectoryField.DurationMs)) writer.Write(t.DurationMs);
        if (keys.Next(ref writer, (int)TrajectoryField.ToolErrorCount)) writer.Write(t.ToolErrorCount);
        if (keys.Next(ref writer, (int)TrajectoryField.MalformedCount)) writer.Write(t.MalformedCount);
        if (keys.Next(ref writer, (int)TrajectoryField.AssistantTokens)) writer.Write(t.AssistantTokens);
        if (keys.Next(ref writer, (int)TrajectoryField.TokenCount)) { if (t.TokenCount is { } source) EnumNames<TokenCountSource>.Write(ref writer, source); else writer.WriteNil(); }
        if (keys.Next(ref writer, (int)TrajectoryField.PromptTokens)) Lists.WriteNullable(ref writer, t.PromptTokens);
        if (keys.Next(ref writer, (int)TrajectoryField.TokenSequences)) Lists.WriteOther(ref writer, t.TokenSequences, options);
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
        IReadOnlyList<TokenSequence> tokenSequences = [];
        double totalReward = 0, durationMs = 0;
        RewardMode? rewardMode = null;
        RewardBreakdown? breakdown = null;
        var termination = default(Termination);
        EpisodeError? error = null;
        DateTimeOffset startedAt = default;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((TrajectoryField)Fields.Match(ref reader, i))
            {
                case TrajectoryField.EpisodeId: episodeId = reader.ReadString(); break;
                case TrajectoryField.RunId: runId = reader.ReadString() ?? ""; break;
                case TrajectoryField.GroupId: groupId = reader.ReadString() ?? ""; break;
                case TrajectoryField.EnvironmentId: environmentId = reader.ReadString(); break;
                case TrajectoryField.EnvironmentVersion: environmentVersion = reader.ReadString() ?? ""; break;
                case TrajectoryField.TaskId: taskId = reader.ReadString(); break;
                case TrajectoryField.Seed: seed = reader.ReadInt32(); break;
                case TrajectoryField.AgentId: agentId = reader.ReadString() ?? ""; break;
                case TrajectoryField.PolicyVersion: policyVersion = Lists.ReadNullableInt(ref reader); break;
                case TrajectoryField.Provenance: provenance = Lists.ReadOther<Provenance?>(ref reader, options); break;
                case TrajectoryField.ParentEpisodeId: parentEpisodeId = reader.ReadString(); break;
                case TrajectoryField.ForkStep: forkStep = Lists.ReadNullableInt(ref reader); break;
                case TrajectoryField.Prompt: prompt = Lists.Read(ref reader, _messages, options) ?? []; break;
                case TrajectoryField.Tools: tools = Lists.ReadOther<IReadOnlyList<ToolSpec>?>(ref reader, options) ?? []; break;
                case TrajectoryField.Steps: steps = Lists.Read(ref reader, _steps, options) ?? []; break;
                case TrajectoryField.TotalReward: totalReward = reader.ReadDouble(); break;
                case TrajectoryField.RewardMode: rewardMode = reader.TryReadNil() ? null : EnumNames<RewardMode>.Read(ref reader); break;
                case TrajectoryField.Breakdown: breakdown = Lists.ReadOther<RewardBreakdown?>(ref reader, options); break;
                case TrajectoryField.Termination: termination = EnumNames<Termination>.Read(ref reader); break;
                case TrajectoryField.TruncationReason: truncationReason = reader.ReadString(); break;
                case TrajectoryField.Error: error = Lists.ReadOther<EpisodeError?>(ref reader, options); break;
                case TrajectoryField.StartedAt: startedAt = Lists.ReadOther<DateTimeOffset>(ref reader, options); break;
                case TrajectoryField.DurationMs: durationMs = reader.ReadDouble(); break;
                case TrajectoryField.ToolErrorCount: toolErrorCount = reader.ReadInt32(); break;
                case TrajectoryField.MalformedCount: malformedCount = reader.ReadInt32(); break;
                case TrajectoryField.AssistantTokens: assistantTokens = reader.ReadInt32(); break;
                case TrajectoryField.TokenCount: tokenCount = reader.TryReadNil() ? null : EnumNames<TokenCountSource>.Read(ref reader); break;
                case TrajectoryField.PromptTokens: promptTokens = Lists.ReadNullableInt(ref reader); break;
                case TrajectoryField.TokenSequences: tokenSequences = Lists.ReadOther<IReadOnlyList<TokenSequence>?>(ref reader, options) ?? []; break;
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
            TokenCount = tokenCount, PromptTokens = promptTokens, TokenSequences = tokenSequences,
        };
    }
}
