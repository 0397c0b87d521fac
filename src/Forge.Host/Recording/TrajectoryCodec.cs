using Forge.Core;
using MessagePack;

namespace Forge.Host.Recording;

/// <summary>Turns a record's payload into a <see cref="Trajectory"/>, or into a <see cref="CorruptRecord"/> saying why it could not.</summary>
internal static class TrajectoryCodec
{
    /// <summary>Decodes the payload of a frame that checked out.</summary>
    public static TrajectoryEntry Decode(in Frame frame)
    {
        if (frame.Corrupt is { } corrupt) return new TrajectoryEntry(frame.Offset, null, corrupt);
        try
        {
            var trajectory = MessagePackSerializer.Deserialize<Trajectory>(frame.Payload, TrajectoryFormat.ReadOptions);
            var missing = Missing(trajectory);
            return missing is null
                ? new TrajectoryEntry(frame.Offset, trajectory, null)
                : new TrajectoryEntry(frame.Offset, null, new CorruptRecord(frame.Offset, frame.Length, $"record lacks {missing}"));
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            return new TrajectoryEntry(frame.Offset, null, Undecodable(frame, e));
        }
    }

    /// <summary>The required member a decoded trajectory lacks, or null.</summary>
    public static string? Missing(Trajectory? trajectory) =>
        trajectory is null ? "the trajectory"
        : trajectory.EpisodeId is null ? "EpisodeId"
        : trajectory.EnvironmentId is null ? "EnvironmentId"
        : trajectory.TaskId is null ? "TaskId" : null;

    /// <summary>True for the exceptions a damaged or hostile payload can raise while being decoded.</summary>
    public static bool IsDecodeFailure(Exception e) =>
        e is MessagePackSerializationException or InvalidOperationException or ArgumentException or FormatException or OverflowException or EndOfStreamException;

    /// <summary>The corrupt record for a payload that failed to decode.</summary>
    public static CorruptRecord Undecodable(in Frame frame, Exception e) =>
        new(frame.Offset, frame.Length, $"payload could not be decoded: {(e.InnerException ?? e).Message}");
}
