using System.Buffers.Binary;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Host.Tests.Recording;

public sealed class TrajectoryReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Read_RecordedFile_ReturnsEveryTrajectoryEqual()
    {
        var originals = SampleTrajectories.All();
        var path = await TestFiles.RecordAsync(_dir.Path, originals);

        var file = TrajectoryReader.Read(path);

        Assert.Equal(2, file.FormatVersion);
        Assert.Empty(file.Corrupt);
        Assert.Equal(originals.Select(TestFiles.Canonical), file.Trajectories.Select(TestFiles.Canonical));
        var policy = file.Trajectories[3].Steps[0].Action;
        Assert.Equal([0, 1, 2, 3, 4], policy.TokenIds!);
        Assert.Equal(-2f, policy.LogProbs![4]);
        Assert.Equal(TimeSpan.FromHours(1), file.Trajectories[0].StartedAt.Offset);
        Assert.Equal(Termination.Truncated, file.Trajectories[1].Termination);
        Assert.Null(file.Trajectories[0].Error);
        Assert.True(file.Trajectories[0].Success);
    }

    [Fact]
    public async Task Read_TornTailAtEveryByteOfLastRecord_ReadsEarlierRecordsAndOneWarning()
    {
        var originals = SampleTrajectories.All();
        var path = await TestFiles.RecordAsync(_dir.Path, originals);
        var bytes = await File.ReadAllBytesAsync(path);
        var offsets = TestFiles.RecordOffsets(path);
        long lastStart = offsets[^2], end = offsets[^1];
        var torn = _dir.File("torn.forge");

        for (var cut = lastStart + 1; cut < end; cut++)
        {
            await File.WriteAllBytesAsync(torn, bytes.AsSpan(0, (int)cut).ToArray());

            var file = TrajectoryReader.Read(torn);

            Assert.Equal(originals.Take(3).Select(TestFiles.Canonical), file.Trajectories.Select(TestFiles.Canonical));
            var corrupt = Assert.Single(file.Corrupt);
            Assert.Equal(lastStart, corrupt.Offset);
            Assert.Equal(cut - lastStart, corrupt.Length);
            Assert.True(corrupt.AtEndOfFile, $"cut at {cut}: {corrupt}");
        }
    }

    [Fact]
    public async Task Read_CutAtRecordBoundary_HasNoCorruption()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        var offsets = TestFiles.RecordOffsets(path);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, (int)offsets[2]).ToArray());

        var file = TrajectoryReader.Read(path);

        Assert.Equal(2, file.Trajectories.Count);
        Assert.Empty(file.Corrupt);
    }

    [Fact]
    public async Task Read_CrcMismatchInTheMiddle_SkipsThatRecordAndReadsTheRest()
    {
        var originals = SampleTrajectories.All();
        var path = await TestFiles.RecordAsync(_dir.Path, originals);
        var offsets = TestFiles.RecordOffsets(path);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[offsets[1] + 20] ^= 0x5A; // a payload byte of the second record
        await File.WriteAllBytesAsync(path, bytes);

        var file = TrajectoryReader.Read(path);

        Assert.Equal(new[] { "ep-0001", "ep-0003", "ep-0004" }, file.Trajectories.Select(t => t.EpisodeId));
        var corrupt = Assert.Single(file.Corrupt);
        Assert.Equal(offsets[1], corrupt.Offset);
        Assert.Equal(offsets[2] - offsets[1], corrupt.Length);
        Assert.Contains("CRC mismatch", corrupt.Reason);
        Assert.False(corrupt.AtEndOfFile);
    }

    [Fact]
    public async Task Read_DamagedLengthField_ResyncsOnTheNextRecord()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        var offsets = TestFiles.RecordOffsets(path);
        var bytes = await File.ReadAllBytesAsync(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)offsets[0]), 0xFFFF_FFF0);
        await File.WriteAllBytesAsync(path, bytes);

        var file = TrajectoryReader.Read(path);

        Assert.Equal(new[] { "ep-0002", "ep-0003", "ep-0004" }, file.Trajectories.Select(t => t.EpisodeId));
        var corrupt = Assert.Single(file.Corrupt);
        Assert.Equal(offsets[0], corrupt.Offset);
        Assert.Contains("implausible record length", corrupt.Reason);
    }

    [Fact]
    public async Task Read_GarbageBetweenRecords_IsSkippedAsOneStretch()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        var offsets = TestFiles.RecordOffsets(path);
        var bytes = (await File.ReadAllBytesAsync(path)).ToList();
        var garbage = new byte[777];
        new Random(3).NextBytes(garbage);
        bytes.InsertRange((int)offsets[2], garbage);
        await File.WriteAllBytesAsync(path, bytes.ToArray());

        var file = TrajectoryReader.Read(path);

        Assert.Equal(4, file.Trajectories.Count);
        var corrupt = Assert.Single(file.Corrupt);
        Assert.Equal(offsets[2], corrupt.Offset);
        Assert.Equal(777, corrupt.Length);
    }

    [Fact]
    public async Task Read_ValidFrameWithUndecodablePayload_IsReportedNotThrown()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, [SampleTrajectories.SolvedMath()]);
        byte[] payload = [0x81, 0xA9, .. "EpisodeId"u8, 0xC1]; // a map whose value is the never-used byte 0xC1
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(frame, 8);
        var validEnd = new FileInfo(path).Length;
        await using (var stream = new FileStream(path, FileMode.Append)) stream.Write(frame);
        await TestFiles.RecordAsync(_dir.Path, [SampleTrajectories.Errored()]);

        var file = TrajectoryReader.Read(path);

        Assert.Equal(new[] { "ep-0001", "ep-0003" }, file.Trajectories.Select(t => t.EpisodeId));
        var corrupt = Assert.Single(file.Corrupt);
        Assert.Equal(validEnd, corrupt.Offset);
        Assert.Contains("could not be decoded", corrupt.Reason);
    }

    [Fact]
    public void Read_EmptyFile_ThrowsNotATrajectoryFile()
    {
        var path = _dir.File("empty.forge");
        File.WriteAllBytes(path, []);

        var e = Assert.Throws<InvalidDataException>(() => TrajectoryReader.Read(path));

        Assert.Equal($"{path} is not a Forge trajectory file (it is empty)", e.Message);
    }

    [Fact]
    public void Read_WrongMagic_ThrowsBadMagic()
    {
        var path = _dir.File("notes.forge");
        File.WriteAllText(path, "{\"episode_id\": \"this is JSON, not a trajectory log\"}\n");

        var e = Assert.Throws<InvalidDataException>(() => TrajectoryReader.Read(path));

        Assert.Equal($"{path} is not a Forge trajectory file (bad magic)", e.Message);
    }

    [Fact]
    public async Task Read_NewerFormatVersion_ThrowsUpgrade()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, [SampleTrajectories.SolvedMath()]);
        var bytes = await File.ReadAllBytesAsync(path);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 7);
        await File.WriteAllBytesAsync(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => TrajectoryReader.Read(path));

        Assert.Equal($"{path} was written by a newer Forge (format 7, this reads up to 2); upgrade Forge to read it", e.Message);
    }

    [Fact]
    public void Read_HeaderCutShort_SaysSo()
    {
        var path = _dir.File("short.forge");
        File.WriteAllBytes(path, "FORGETRJ\u0001"u8.ToArray());

        var e = Assert.Throws<InvalidDataException>(() => TrajectoryReader.Read(path));

        Assert.Contains("cut short inside its 16-byte header", e.Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        var e = Assert.Throws<FileNotFoundException>(() => TrajectoryReader.Read(_dir.File("nope.forge")));
        Assert.Contains("nope.forge does not exist", e.Message);
    }

    [Fact]
    public async Task ReadEntriesAsync_TornFile_YieldsTrajectoriesThenTheTornTail()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes.AsSpan(0, bytes.Length - 3).ToArray());

        using var reader = TrajectoryReader.Open(path);
        var entries = new List<TrajectoryEntry>();
        await foreach (var entry in reader.ReadEntriesAsync()) entries.Add(entry);

        Assert.Equal(4, entries.Count);
        Assert.All(entries.Take(3), e => Assert.NotNull(e.Trajectory));
        Assert.True(entries[^1].Corrupt!.AtEndOfFile);
        Assert.StartsWith("torn tail at offset", entries[^1].Corrupt!.ToString());
    }

    [Fact]
    public async Task ReadEntries_NonSeekableStreamInSmallChunks_ReadsEverything()
    {
        var path = await TestFiles.RecordAsync(_dir.Path, SampleTrajectories.All());
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[300] ^= 1;

        using var reader = TrajectoryReader.Open(new TrickleStream(bytes), "network");
        var entries = reader.ReadEntries().ToList();

        Assert.Equal(3, entries.Count(e => e.Trajectory is not null));
        Assert.Single(entries, e => e.Corrupt is not null);
    }

    /// <summary>A forward-only stream that hands out at most 7 bytes per read.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, 7), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
