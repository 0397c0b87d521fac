using Forge.Core;
using Forge.Host.Recording;
using Forge.Host.Recording.Index;

namespace Forge.Host.Tests.Recording.Index;

public sealed class TrajectoryIndexTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Open_NewLog_BuildsSummariesThatMatchTheDecodedTrajectories()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());

        using var index = TrajectoryIndex.Open(path);

        Assert.Equal(IndexSource.Built, index.Source);
        Assert.True(File.Exists(index.IndexPath));
        var full = TrajectoryReader.Read(path).Trajectories;
        Assert.Equal(full.Count, index.Episodes.Count);
        for (var i = 0; i < full.Count; i++) AssertSummarizes(full[i], index.Episodes[i], i);
        Assert.Empty(index.Corrupt);
    }

    [Fact]
    public async Task Open_ForkedEpisodes_KeepTheirParentAndForkStep()
    {
        var forks = SampleTrajectories.All().Select((t, i) => t with { ParentEpisodeId = i % 2 == 0 ? "parent-" + i : null, ForkStep = i % 2 == 0 ? i : null }).ToList();
        var path = await TestFiles.RecordAsync(_dir.Path, forks);
        using (TrajectoryIndex.Open(path)) { }

        using var index = TrajectoryIndex.Open(path);

        Assert.Equal(IndexSource.Loaded, index.Source);
        for (var i = 0; i < forks.Count; i++) AssertSummarizes(forks[i], index.Episodes[i], i);
    }

    [Fact]
    public async Task Open_Twice_LoadsTheSavedIndexWithTheSameSummaries()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        using var built = TrajectoryIndex.Open(path);

        using var loaded = TrajectoryIndex.Open(path);

        Assert.Equal(IndexSource.Loaded, loaded.Source);
        Assert.Equal(built.Episodes, loaded.Episodes);
    }

    [Fact]
    public async Task Read_Ordinal_ReturnsTheRecordAtItsOffset()
    {
        var originals = SampleTrajectories.All();
        var path = await TestFiles.RecordAsync(_dir.Path, originals);
        using var index = TrajectoryIndex.Open(path);

        for (var i = originals.Count - 1; i >= 0; i--)
            Assert.Equal(TestFiles.Canonical(originals[i]), TestFiles.Canonical(index.Read(i)));
        Assert.Equal(2, index.Find(originals[2].EpisodeId)!.Ordinal);
        Assert.Null(index.Find("no-such-episode"));
    }

    [Fact]
    public async Task Open_AfterTheLogGrew_ExtendsTheIndexWithTheNewRecords()
    {
        var originals = SampleTrajectories.All();
        var path = await TestFiles.RecordAsync(_dir.Path, originals.Take(2));
        using (var first = TrajectoryIndex.Open(path)) Assert.Equal(2, first.Episodes.Count);
        await TestFiles.RecordAsync(_dir.Path, originals.Skip(2));

        using var index = TrajectoryIndex.Open(path);

        Assert.Equal(IndexSource.Extended, index.Source);
        Assert.Equal(originals.Select(t => t.EpisodeId), index.Episodes.Select(e => e.EpisodeId));
        Assert.Equal(TestFiles.Canonical(originals[3]), TestFiles.Canonical(index.Read(3)));
    }

    [Fact]
    public async Task Open_LogReplacedByAnother_RebuildsTheIndex()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        using (TrajectoryIndex.Open(path)) { }
        File.Delete(path);
        var other = SampleTrajectories.All().Select(t => t with { EpisodeId = "other-" + t.EpisodeId }).ToList();
        await TestFiles.RecordAsync(_dir.Path, other);

        using var index = TrajectoryIndex.Open(path);

        Assert.Equal(IndexSource.Built, index.Source);
        Assert.Equal(other.Select(t => t.EpisodeId), index.Episodes.Select(e => e.EpisodeId));
    }

    [Fact]
    public async Task Open_DamagedIndexFile_RebuildsIt()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        string indexPath;
        using (var first = TrajectoryIndex.Open(path)) indexPath = first.IndexPath;
        var bytes = await File.ReadAllBytesAsync(indexPath);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(indexPath, bytes);

        using var index = TrajectoryIndex.Open(path);

        Assert.Equal(IndexSource.Built, index.Source);
        Assert.Equal(4, index.Episodes.Count);
        using var again = TrajectoryIndex.Open(path);
        Assert.Equal(IndexSource.Loaded, again.Source);
    }

    [Fact]
    public async Task Open_DamagedRecordAndTornTail_ListsBothAndIndexesTheRest()
    {
        var originals = SampleTrajectories.All();
        var path = await TestFiles.RecordAsync(_dir.Path, originals);
        var offsets = TestFiles.RecordOffsets(path);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[(int)offsets[1] + 20] ^= 0xFF;                         // a flipped byte inside the second record
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, (int)offsets[^1] - 5).ToArray()); // and the last one torn

        using var index = TrajectoryIndex.Open(path);

        Assert.Equal(new[] { originals[0].EpisodeId, originals[2].EpisodeId }, index.Episodes.Select(e => e.EpisodeId));
        Assert.Equal(2, index.Corrupt.Count);
        Assert.Equal(offsets[1], index.Corrupt[0].Offset);
        Assert.False(index.Corrupt[0].AtEndOfFile);
        Assert.True(index.Corrupt[1].AtEndOfFile);
        Assert.Equal(TestFiles.Canonical(originals[2]), TestFiles.Canonical(index.Read(1)));

        using var loaded = TrajectoryIndex.Open(path);                // the saved index keeps the inner damage, re-reads the tail
        Assert.Equal(IndexSource.Loaded, loaded.Source);
        Assert.Equal(index.Corrupt, loaded.Corrupt);
    }

    [Fact]
    public async Task Read_LogRewrittenAfterOpening_SaysTheLogChanged()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        using var index = TrajectoryIndex.Open(path);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[(int)index.Episodes[1].Offset + 30] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => index.Read(1));

        Assert.Contains("CRC no longer matches", e.Message);
        Assert.Contains(index.Episodes[1].EpisodeId, e.Message);
    }

    [Fact]
    public async Task Open_NewerFormat_SaysSo()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[8] = 9;
        await File.WriteAllBytesAsync(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => TrajectoryIndex.Open(path));

        Assert.Contains("written by a newer Forge (format 9", e.Message);
    }

    [Fact]
    public async Task Read_AnEpisode_TouchesOnlyItsOwnRecord()
    {
        // Reading is straight from the episode's offset: with every other byte of the log overwritten after indexing, the
        // episode still reads back (a scan from the start would stumble on the first zeroed record). Its speed is
        // measured by `forge bench view`.
        var trajectories = RecorderBenchmark.SampleTrajectories(2_000);
        var path = await TestFiles.RecordAsync(_dir.Path, trajectories);
        using var index = TrajectoryIndex.Open(path);
        var target = index.Episodes[1_234];
        var bytes = await File.ReadAllBytesAsync(path);
        var kept = bytes.AsSpan((int)target.Offset, target.Length).ToArray();
        Array.Clear(bytes);
        kept.CopyTo(bytes, (int)target.Offset);
        await using (var log = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) await log.WriteAsync(bytes);

        Assert.Equal(trajectories[1_234].EpisodeId, index.Read(target).EpisodeId);
        Assert.Throws<InvalidDataException>(() => index.Read(1_233));
    }

    private static void AssertSummarizes(Trajectory t, EpisodeSummary s, int ordinal)
    {
        Assert.Equal(ordinal, s.Ordinal);
        Assert.Equal((t.EpisodeId, t.RunId, t.GroupId, t.EnvironmentId, t.EnvironmentVersion, t.TaskId, t.Seed, t.AgentId, t.PolicyVersion),
            (s.EpisodeId, s.RunId, s.GroupId, s.EnvironmentId, s.EnvironmentVersion, s.TaskId, s.Seed, s.AgentId, s.PolicyVersion));
        Assert.Equal((t.Steps.Count, t.TotalReward, t.Success, t.Termination, t.TruncationReason, t.Error?.Boundary, t.Error?.Type),
            (s.Steps, s.TotalReward, s.Success, s.Termination, s.TruncationReason, s.ErrorBoundary, s.ErrorType));
        Assert.Equal((t.ParentEpisodeId, t.ForkStep), (s.ParentEpisodeId, s.ForkStep));
        Assert.Equal((t.ToolErrorCount, t.MalformedCount, t.AssistantTokens, t.StartedAt, t.DurationMs),
            (s.ToolErrors, s.Malformed, s.AssistantTokens, s.StartedAt, s.DurationMs));
        Assert.Equal(t.StartedAt.Offset, s.StartedAt.Offset);
    }
}
