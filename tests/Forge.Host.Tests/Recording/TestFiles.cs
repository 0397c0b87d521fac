using System.Text.Json;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Host.Tests.Recording;

/// <summary>A temporary folder removed with everything in it when disposed.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("forge-recording-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class TestFiles
{
    /// <summary>Writes <paramref name="trajectories"/> with the recorder and returns the file's path.</summary>
    public static async Task<string> RecordAsync(string directory, IEnumerable<Trajectory> trajectories)
    {
        await using var recorder = new TrajectoryRecorder(directory);
        foreach (var t in trajectories) await recorder.OnTrajectoryAsync(t, CancellationToken.None);
        await recorder.CompleteAsync(CancellationToken.None);
        return recorder.Path;
    }

    /// <summary>A canonical text form of a trajectory: equal text ⇔ equal content, lists and dictionaries included.</summary>
    public static string Canonical(Trajectory trajectory) => JsonSerializer.Serialize(trajectory, TrajectoryJson.Options);

    /// <summary>Offsets at which each record starts, and the file's length at the end.</summary>
    public static List<long> RecordOffsets(string path)
    {
        using var reader = TrajectoryReader.Open(path);
        return reader.ReadEntries().Select(e => e.Offset).Append(new FileInfo(path).Length).ToList();
    }
}
