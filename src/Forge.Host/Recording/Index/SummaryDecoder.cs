using System.Runtime.CompilerServices;
using Forge.Core;
using Forge.Host.Recording.Formatters;
using MessagePack;

namespace Forge.Host.Recording.Index;

/// <summary>
/// Reads an <see cref="EpisodeSummary"/> straight from a record's MessagePack payload (format 1 or 2): the top-level keys it needs are read,
/// everything else (the conversation, tools, token ids) is skipped without being built, which makes indexing a log several
/// times faster than decoding its trajectories.
/// </summary>
internal static class SummaryDecoder
{
    private static readonly MessagePackSerializerOptions Options = TrajectoryFormat.ReadOptions;

    /// <summary>Decodes the summary of the record in <paramref name="frame"/>; throws what a damaged payload raises.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static EpisodeSummary Decode(in Frame frame, int ordinal)
    {
        var reader = new MessagePackReader(frame.Payload);
        string? episodeId = null, environmentId = null, taskId = null, runId = null, groupId = null, environmentVersion = null, agentId = null;
        string? truncationReason = null, errorType = null, parentEpisodeId = null;
        int seed = 0, steps = 0, toolErrors = 0, malformed = 0, assistantTokens = 0;
        int? policyVersion = null, forkStep = null;
        double totalReward = 0, durationMs = 0;
        var success = false;
        var termination = Termination.Terminated;
        ErrorBoundary? errorBoundary = null;
        DateTimeOffset startedAt = default;

        var fields = reader.ReadMapHeader();
        for (var i = 0; i < fields; i++)
        {
            switch ((TrajectoryField)TrajectoryFormatter.Fields.Match(ref reader, i))
            {
                case TrajectoryField.EpisodeId: episodeId = reader.ReadString(); break;
                case TrajectoryField.EnvironmentId: environmentId = reader.ReadString(); break;
                case TrajectoryField.TaskId: taskId = reader.ReadString(); break;
                case TrajectoryField.RunId: runId = reader.ReadString(); break;
                case TrajectoryField.GroupId: groupId = reader.ReadString(); break;
                case TrajectoryField.EnvironmentVersion: environmentVersion = reader.ReadString(); break;
                case TrajectoryField.Seed: seed = reader.ReadInt32(); break;
                case TrajectoryField.AgentId: agentId = reader.ReadString(); break;
                case TrajectoryField.PolicyVersion: policyVersion = reader.TryReadNil() ? null : reader.ReadInt32(); break;
                case TrajectoryField.ParentEpisodeId: parentEpisodeId = reader.ReadString(); break;
                case TrajectoryField.ForkStep: forkStep = reader.TryReadNil() ? null : reader.ReadInt32(); break;
                case TrajectoryField.Steps: steps = SkipArray(ref reader); break;
                case TrajectoryField.TotalReward: totalReward = reader.ReadDouble(); break;
                case TrajectoryField.Breakdown: success = ReadSuccess(ref reader); break;
                case TrajectoryField.Termination: termination = Read<Termination>(ref reader); break;
                case TrajectoryField.TruncationReason: truncationReason = reader.ReadString(); break;
                case TrajectoryField.Error:
                    if (!reader.TryReadNil())
                    {
                        var error = Read<EpisodeError>(ref reader);
                        (errorBoundary, errorType) = (error.Boundary, error.Type);
                    }
                    break;
                case TrajectoryField.StartedAt: startedAt = Read<DateTimeOffset>(ref reader); break;
                case TrajectoryField.DurationMs: durationMs = reader.ReadDouble(); break;
                case TrajectoryField.ToolErrorCount: toolErrors = reader.ReadInt32(); break;
                case TrajectoryField.MalformedCount: malformed = reader.ReadInt32(); break;
                case TrajectoryField.AssistantTokens: assistantTokens = reader.ReadInt32(); break;
                default: reader.Skip(); break;
            }
        }
        if (episodeId is null || environmentId is null || taskId is null)
            throw new InvalidOperationException($"record lacks {(episodeId is null ? "EpisodeId" : environmentId is null ? "EnvironmentId" : "TaskId")}");
        return new EpisodeSummary
        {
            Ordinal = ordinal, Offset = frame.Offset, Length = frame.Length,
            EpisodeId = episodeId, RunId = runId ?? "", GroupId = groupId ?? "", EnvironmentId = environmentId,
            EnvironmentVersion = environmentVersion ?? "", TaskId = taskId, Seed = seed, AgentId = agentId ?? "", PolicyVersion = policyVersion,
            ParentEpisodeId = parentEpisodeId, ForkStep = forkStep, Steps = steps, TotalReward = totalReward, Success = success, Termination = termination, TruncationReason = truncationReason,
            ErrorBoundary = errorBoundary, ErrorType = errorType, ToolErrors = toolErrors, Malformed = malformed,
            AssistantTokens = assistantTokens, StartedAt = startedAt, DurationMs = durationMs,
        };
    }

    private static T Read<T>(ref MessagePackReader reader) => Options.Resolver.GetFormatterWithVerify<T>().Deserialize(ref reader, Options);

    private static int SkipArray(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return 0;
        var count = reader.ReadArrayHeader();
        for (var i = 0; i < count; i++) reader.Skip();
        return count;
    }

    private static bool ReadSuccess(ref MessagePackReader reader)
    {
        if (reader.TryReadNil()) return false;
        var success = false;
        var fields = reader.ReadMapHeader();
        for (var i = 0; i < fields; i++)
        {
            if ((RewardBreakdownField)RewardBreakdownFormatter.Fields.Match(ref reader, i) == RewardBreakdownField.Success) success = reader.ReadBoolean();
            else reader.Skip();
        }
        return success;
    }
}
