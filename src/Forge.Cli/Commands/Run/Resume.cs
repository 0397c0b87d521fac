using Forge.Host;
using Forge.Host.Recording;

namespace Forge.Cli.Commands.Run;

/// <summary>
/// Resuming a run on an output folder that already holds some of its episodes: those are not run again, and a torn tail
/// (a record a killed run was writing) is cut off first. Says on stderr what it found.
/// </summary>
internal sealed record Resume(IReadOnlyList<EpisodeRequest> Remaining, int AlreadyRecorded, long TornTailBytes)
{
    /// <summary>For <c>--json</c>: null when nothing was there to resume from.</summary>
    public object? Json => AlreadyRecorded == 0 && TornTailBytes == 0 ? null
        : new { already_recorded = AlreadyRecorded, torn_tail_bytes = TornTailBytes, to_run = Remaining.Count };

    public static Resume Prepare(string output, IReadOnlyList<EpisodeRequest> requests)
    {
        var recorded = RecordedRun.Read(Path.Combine(output, TrajectoryRecorder.DefaultFileName));
        var remaining = recorded.Remaining(requests);
        var cut = recorded.CutTornTail();
        var already = requests.Count - remaining.Count;
        if (cut > 0)
            Console.Error.WriteLine($"forge: {recorded.Path}: cut a torn record of {cut} bytes off the end (the previous run stopped while writing it).");
        if (already > 0)
            Console.Error.WriteLine($"forge: resuming: {already} of {requests.Count} episodes are already recorded in {recorded.Path}; running the other {remaining.Count}.");
        return new Resume(remaining, already, cut);
    }
}
