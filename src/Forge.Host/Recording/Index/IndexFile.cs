using System.Buffers.Binary;
using System.Text;
using Forge.Core;

namespace Forge.Host.Recording.Index;

/// <summary>What an index file holds: the summaries and damaged stretches of a log up to <see cref="CoveredLength"/>.</summary>
/// <param name="LogFormatVersion">The log's format version.</param>
/// <param name="CoveredLength">Bytes of the log the index describes (the end of its last complete record or inner damaged stretch).</param>
/// <param name="Fingerprint">CRC-32C of the log's header and of the last bytes before <see cref="CoveredLength"/>: a log that was replaced or rewritten no longer matches.</param>
/// <param name="Episodes">The summaries, in log order.</param>
/// <param name="Corrupt">The damaged stretches inside the covered bytes.</param>
internal sealed record IndexContent(int LogFormatVersion, long CoveredLength, uint Fingerprint, IReadOnlyList<EpisodeSummary> Episodes, IReadOnlyList<CorruptRecord> Corrupt);

/// <summary>
/// The index file kept next to a log (<c>trajectories.forge.idx</c>): a cache, rebuilt from the log whenever it is missing,
/// damaged, from another index version, or no longer matches the log. Layout (little-endian):
/// <code>
/// "FORGEIDX" | index version u16 | log format version u16 | reserved u32 | covered length i64 | fingerprint u32
/// strings: count i32, then each as a 7-bit length and UTF-8 bytes (every id is stored once)
/// episodes: count i32, then fixed-size rows (offsets, string numbers, numbers)
/// damaged stretches: count i32, then offset i64 | length i64 | at end u8 | reason (string)
/// CRC-32C of everything before it, u32
/// </code>
/// </summary>
internal static class IndexFile
{
    public const ushort Version = 2;
    private static ReadOnlySpan<byte> Magic => "FORGEIDX"u8;
    private const int None = -1;

    /// <summary>The index path for a log.</summary>
    public static string PathFor(string logPath) => logPath + ".idx";

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> through a temporary file, so a reader never sees half an index.</summary>
    public static void Write(string path, IndexContent content)
    {
        using var memory = new MemoryStream(64 + content.Episodes.Count * 96);
        using (var w = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write((ushort)content.LogFormatVersion);
            w.Write(0u);
            w.Write(content.CoveredLength);
            w.Write(content.Fingerprint);

            var strings = new Dictionary<string, int>(StringComparer.Ordinal);
            var table = new List<string>();
            int Id(string? s)
            {
                if (s is null) return None;
                if (!strings.TryGetValue(s, out var id)) { id = table.Count; strings.Add(s, id); table.Add(s); }
                return id;
            }
            var rows = content.Episodes.Select(e => (e, ids: new[]
            {
                Id(e.EpisodeId), Id(e.RunId), Id(e.GroupId), Id(e.EnvironmentId), Id(e.EnvironmentVersion), Id(e.TaskId), Id(e.AgentId),
                Id(e.TruncationReason), Id(e.ErrorType), Id(e.ParentEpisodeId),
            })).ToList();
            w.Write(table.Count);
            foreach (var s in table) w.Write(s);

            w.Write(rows.Count);
            foreach (var (e, ids) in rows)
            {
                w.Write(e.Offset);
                w.Write(e.Length);
                foreach (var id in ids) w.Write(id);
                w.Write(e.Seed);
                w.Write(e.PolicyVersion ?? int.MinValue);
                w.Write(e.ForkStep ?? int.MinValue);
                w.Write(e.Steps);
                w.Write(e.TotalReward);
                w.Write(e.Success);
                w.Write((byte)e.Termination);
                w.Write((sbyte)(e.ErrorBoundary is { } b ? (int)b : None));
                w.Write(e.ToolErrors);
                w.Write(e.Malformed);
                w.Write(e.AssistantTokens);
                w.Write(e.StartedAt.UtcTicks);
                w.Write((short)e.StartedAt.Offset.TotalMinutes);
                w.Write(e.DurationMs);
            }

            w.Write(content.Corrupt.Count);
            foreach (var c in content.Corrupt)
            {
                w.Write(c.Offset);
                w.Write(c.Length);
                w.Write(c.AtEndOfFile);
                w.Write(c.Reason);
            }
        }
        var crc = Crc32C.Compute(memory.GetBuffer().AsSpan(0, (int)memory.Length));
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(tail, crc);
        memory.Write(tail);

        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                file.Write(memory.GetBuffer().AsSpan(0, (int)memory.Length));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Reads an index file; null when it is missing, damaged or from another index version (the caller rebuilds it).</summary>
    public static IndexContent? TryRead(string path)
    {
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) return null;
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }

        if (bytes.Length < 32 || !bytes.AsSpan().StartsWith(Magic)) return null;
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        if (Crc32C.Compute(bytes.AsSpan(0, bytes.Length - 4)) != stored) return null;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4, writable: false), Encoding.UTF8);
            r.ReadBytes(Magic.Length);
            if (r.ReadUInt16() != Version) return null;
            var logVersion = r.ReadUInt16();
            r.ReadUInt32();
            var covered = r.ReadInt64();
            var fingerprint = r.ReadUInt32();

            var table = new string[r.ReadInt32()];
            for (var i = 0; i < table.Length; i++) table[i] = r.ReadString();
            string? S(int id) => id == None ? null : table[id];

            var episodes = new EpisodeSummary[r.ReadInt32()];
            for (var i = 0; i < episodes.Length; i++)
            {
                var offset = r.ReadInt64();
                var length = r.ReadInt32();
                int episode = r.ReadInt32(), run = r.ReadInt32(), group = r.ReadInt32(), environment = r.ReadInt32(), version = r.ReadInt32(),
                    task = r.ReadInt32(), agent = r.ReadInt32(), truncation = r.ReadInt32(), errorType = r.ReadInt32(), parent = r.ReadInt32();
                var seed = r.ReadInt32();
                var policy = r.ReadInt32();
                var forkStep = r.ReadInt32();
                var steps = r.ReadInt32();
                var reward = r.ReadDouble();
                var success = r.ReadBoolean();
                var termination = (Termination)r.ReadByte();
                var boundary = r.ReadSByte();
                int toolErrors = r.ReadInt32(), malformed = r.ReadInt32(), tokens = r.ReadInt32();
                var ticks = r.ReadInt64();
                var offsetMinutes = r.ReadInt16();
                var duration = r.ReadDouble();
                episodes[i] = new EpisodeSummary
                {
                    Ordinal = i, Offset = offset, Length = length,
                    EpisodeId = S(episode)!, RunId = S(run) ?? "", GroupId = S(group) ?? "", EnvironmentId = S(environment)!,
                    EnvironmentVersion = S(version) ?? "", TaskId = S(task)!, AgentId = S(agent) ?? "", TruncationReason = S(truncation), ErrorType = S(errorType),
                    ParentEpisodeId = S(parent), ForkStep = forkStep == int.MinValue ? null : forkStep,
                    Seed = seed, PolicyVersion = policy == int.MinValue ? null : policy, Steps = steps, TotalReward = reward, Success = success,
                    Termination = termination, ErrorBoundary = boundary < 0 ? null : (ErrorBoundary)boundary,
                    ToolErrors = toolErrors, Malformed = malformed, AssistantTokens = tokens,
                    StartedAt = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes)), DurationMs = duration,
                };
            }

            var corrupt = new CorruptRecord[r.ReadInt32()];
            for (var i = 0; i < corrupt.Length; i++)
            {
                var offset = r.ReadInt64();
                var length = r.ReadInt64();
                var atEnd = r.ReadBoolean();
                corrupt[i] = new CorruptRecord(offset, length, r.ReadString(), atEnd);
            }
            return new IndexContent(logVersion, covered, fingerprint, episodes, corrupt);
        }
        catch (Exception e) when (e is EndOfStreamException or IndexOutOfRangeException or ArgumentException or FormatException)
        {
            return null;
        }
    }
}
