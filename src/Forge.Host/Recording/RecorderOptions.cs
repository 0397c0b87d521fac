namespace Forge.Host.Recording;

/// <summary>How far each record is pushed before <see cref="TrajectoryRecorder.OnTrajectoryAsync"/> returns.</summary>
public enum RecordDurability
{
    /// <summary>Kept in the process's buffer until it fills or the run completes: fastest, a crash may lose several records.</summary>
    Buffered,
    /// <summary>Handed to the operating system after each record (default): a crash of the process loses at most the record being written.</summary>
    Flushed,
    /// <summary>Forced to the disk after each record (fsync): survives a power loss too, at the cost of one disk sync per episode.</summary>
    Synced,
}

/// <summary>Options of a <see cref="TrajectoryRecorder"/>.</summary>
public sealed class RecorderOptions
{
    /// <summary>The file name inside the output directory. Default <c>trajectories.forge</c>.</summary>
    public string FileName { get; set; } = TrajectoryRecorder.DefaultFileName;

    /// <summary>How far each record is pushed before the sink returns. Default <see cref="RecordDurability.Flushed"/>.</summary>
    public RecordDurability Durability { get; set; } = RecordDurability.Flushed;
}
