using Forge.Core;

namespace Forge.Host.Recording;

/// <summary>A stretch of a trajectory file that holds no readable record: a torn tail, a damaged frame, an undecodable payload.</summary>
/// <param name="Offset">Byte offset in the file where the bad stretch starts.</param>
/// <param name="Length">How many bytes were skipped.</param>
/// <param name="Reason">What was wrong, in words.</param>
/// <param name="AtEndOfFile">True when the stretch runs to the end of the file: a torn tail, what a crash while writing leaves.</param>
public sealed record CorruptRecord(long Offset, long Length, string Reason, bool AtEndOfFile = false)
{
    /// <summary>One line for a warning: "torn tail at offset 1234: … (56 bytes skipped)".</summary>
    public override string ToString() => $"{(AtEndOfFile ? "torn tail" : "corrupt record")} at offset {Offset}: {Reason} ({Length} bytes skipped)";
}

/// <summary>One item of a trajectory file read in order: a trajectory or a corrupt stretch, with its byte offset.</summary>
/// <param name="Offset">Byte offset of the record (or of the bad stretch).</param>
/// <param name="Trajectory">The trajectory, when the record was read.</param>
/// <param name="Corrupt">What was skipped, when it was not.</param>
public sealed record TrajectoryEntry(long Offset, Trajectory? Trajectory, CorruptRecord? Corrupt);

/// <summary>A whole trajectory file: every readable trajectory in file order, and what had to be skipped.</summary>
/// <param name="Path">The file.</param>
/// <param name="FormatVersion">The format version in its header.</param>
/// <param name="Trajectories">Every record that was read.</param>
/// <param name="Corrupt">Every stretch that was skipped, in file order.</param>
public sealed record TrajectoryFile(string Path, int FormatVersion, IReadOnlyList<Trajectory> Trajectories, IReadOnlyList<CorruptRecord> Corrupt);
