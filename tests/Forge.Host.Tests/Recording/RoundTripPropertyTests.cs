using CsCheck;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Host.Tests.Recording;

public sealed class RoundTripPropertyTests
{
    // Any Unicode scalar value (surrogate pairs included, lone surrogates excluded: they are not text and UTF-8 cannot hold them).
    private static readonly Gen<string> Text = Gen.Frequency(
            (4, Gen.Char['a', 'z'].Select(c => c.ToString())),
            (1, Gen.Int[0, 0x10FFFF].Where(cp => cp is < 0xD800 or > 0xDFFF).Select(char.ConvertFromUtf32)),
            (1, Gen.OneOf("\0", "\n", "\"", "\\", "é", "世界", "🎲", "\u200d")))
        .Array[0, 24].Select(parts => string.Concat(parts));

    private static readonly Gen<ToolCall> Call = Gen.Select(Text, Text, Text, (id, name, args) => new ToolCall(id, name, args));

    private static readonly Gen<Message> AnyMessage = Gen.Select(
        Gen.Enum<Role>(), Text, Call.Array[0, 3], Text.Null(0.5), Gen.Bool, Gen.Int[0, 3000], Gen.Int.Nullable(0.5),
        (role, content, calls, toolCallId, flag, tokens, policyVersion) => new Message
        {
            Role = role,
            Content = content,
            ToolCalls = calls,
            ToolCallId = toolCallId,
            Name = toolCallId is null ? null : content,
            Malformed = flag,
            IsError = !flag,
            TokenIds = tokens % 3 == 0 ? null : Enumerable.Range(-5, tokens).ToArray(),
            LogProbs = tokens % 3 == 0 ? null : Enumerable.Range(0, tokens).Select(i => -i / 7f).ToArray(),
            PolicyVersion = policyVersion,
        });

    private static readonly Gen<Dictionary<string, string>> Info =
        Gen.Select(Text, Text).Array[0, 4].Select(pairs => pairs.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2));

    private static readonly Gen<Step> AnyStep = Gen.Select(
        Gen.Int[0, 100], AnyMessage, AnyMessage.Array[0, 3], Gen.Double, Gen.Double[0, 1e6], Info,
        (index, action, observation, reward, ms, info) => new Step
        {
            Index = index, Action = action, Observation = observation, Reward = reward, AgentMs = ms, EnvironmentMs = ms / 3, Info = info,
        });

    private static readonly Gen<RewardBreakdown?> Breakdown = Gen.Select(Gen.Select(Text, Gen.Double).Array[0, 4], Gen.Double, Gen.Bool,
            (scores, total, success) => new RewardBreakdown(scores.DistinctBy(s => s.Item1).ToDictionary(s => s.Item1, s => s.Item2), total, success))
        .Null(0.3);

    private static readonly Gen<Trajectory> AnyTrajectory = Gen.Select(
        Gen.Select(Text, Text, Text, Text, Gen.Int, Gen.Int.Nullable(0.5)),
        Gen.Select(AnyMessage.Array[0, 3], Gen.Select(Text, Text, Text, (n, d, s) => new ToolSpec(n, d, s)).Array[0, 3], AnyStep.Array[0, 5]),
        Gen.Select(Gen.Double, Breakdown, Gen.Enum<Termination>(), Text.Null(0.5),
            Gen.Select(Gen.Enum<ErrorBoundary>(), Text, Text, (b, t, m) => new EpisodeError(b, t, m)).Null(0.5)),
        Gen.Select(Gen.DateTimeOffset, Gen.Double, Gen.Int[0, 1000], Gen.Int[0, 1000], Gen.Int[0, 100000]),
        (ids, conversation, outcome, numbers) => new Trajectory
        {
            EpisodeId = ids.Item1, RunId = ids.Item2, GroupId = ids.Item3, EnvironmentId = ids.Item4, EnvironmentVersion = ids.Item1,
            TaskId = ids.Item2, Seed = ids.Item5, AgentId = ids.Item3, PolicyVersion = ids.Item6,
            Prompt = conversation.Item1, Tools = conversation.Item2, Steps = conversation.Item3,
            TotalReward = outcome.Item1, Breakdown = outcome.Item2, Termination = outcome.Item3, TruncationReason = outcome.Item4, Error = outcome.Item5,
            StartedAt = numbers.Item1, DurationMs = numbers.Item2, ToolErrorCount = numbers.Item3, MalformedCount = numbers.Item4, AssistantTokens = numbers.Item5,
        });

    [Fact]
    public void WriteThenRead_AnyTrajectories_ComeBackEqual()
    {
        AnyTrajectory.Array[0, 6].Sample(originals =>
        {
            using var stream = new MemoryStream();
            var writer = new TrajectoryLogWriter(stream);
            writer.WriteHeader();
            foreach (var t in originals) writer.Write(t);
            stream.Position = 0;

            using var reader = TrajectoryReader.Open(stream, "memory");
            var entries = reader.ReadEntries().ToList();

            Assert.All(entries, e => Assert.Null(e.Corrupt));
            Assert.Equal(originals.Select(TestFiles.Canonical), entries.Select(e => TestFiles.Canonical(e.Trajectory!)));
            Assert.Equal(originals.Select(t => t.StartedAt.Offset), entries.Select(e => e.Trajectory!.StartedAt.Offset));
        }, iter: 100);
    }

    private static readonly Gen<Provenance> AnyProvenance = Gen.Select(
        Gen.Select(Text, Text, Text, Text.Null(0.3), Gen.Int.Nullable(0.5)),
        Gen.Select(Text, Text.Null(0.5), Text.Null(0.5), Gen.Int.Nullable(0.5), Text).Select((s, f, g, seed, h) =>
            new TaskProvenance { Source = s, File = f, Generator = g, GeneratorSeed = seed, ContentHash = h }).Null(0.3),
        Gen.Select(Gen.Int[1, 100], Gen.Long[1, TimeSpan.TicksPerDay], Gen.Int[1, 100_000]).Select((turns, ticks, chars) =>
            EpisodeLimits.Default with { MaxTurns = turns, TurnTimeout = new TimeSpan(ticks), EpisodeTimeout = new TimeSpan(ticks * 3), MaxActionChars = chars }).Null(0.3),
        Gen.Select(Text, Text.Null(0.5), Text.Null(0.5)).Select((b, i, d) => new SandboxProvenance { Backend = b, Image = i, ImageId = d }).Null(0.5),
        Gen.Select(Text, Text.Null(0.5), Text.Null(0.5), Text.Null(0.5), Text.Null(0.5)).Select((t, m, e, h, d) =>
            new AgentProvenance { Type = t, Model = m, EndpointHost = e, PolicyCheckpointHash = h, Details = d }).Null(0.3),
        (strings, task, limits, sandbox, agent) => new Provenance
        {
            ForgeVersion = strings.Item1, ForgeCommit = strings.Item2, EnvironmentVersion = strings.Item3, EnvironmentAssembly = strings.Item1,
            EnvironmentAssemblyHash = strings.Item2, Task = task, Limits = limits, Sandbox = sandbox, Agent = agent, Worker = strings.Item4, Attempts = strings.Item5,
        });

    [Fact]
    public void WriteThenRead_AnyProvenanceForkAndTokenSource_ComeBackEqual()
    {
        Gen.Select(AnyTrajectory, AnyProvenance, Gen.Int.Nullable(0.5), Gen.Enum<TokenCountSource>().Nullable(0.5), Gen.Enum<RewardMode>().Nullable(0.5))
            .Sample((t, provenance, forkStep, source, mode) =>
            {
                var original = t with { Provenance = provenance, ParentEpisodeId = forkStep is null ? null : t.EpisodeId, ForkStep = forkStep, TokenCount = source, RewardMode = mode, PromptTokens = forkStep };
                using var stream = new MemoryStream();
                var writer = new TrajectoryLogWriter(stream);
                writer.WriteHeader();
                writer.Write(original);
                stream.Position = 0;

                using var reader = TrajectoryReader.Open(stream, "memory");
                var read = Assert.Single(reader.ReadEntries()).Trajectory!;

                Assert.Equal(TestFiles.Canonical(original), TestFiles.Canonical(read));
            }, iter: 100);
    }

    [Fact]
    public void WriteThenRead_LargeTokenArrays_ComeBackEqual()
    {
        var original = SampleTrajectories.Policy(tokens: 200_000);
        using var stream = new MemoryStream();
        var writer = new TrajectoryLogWriter(stream);
        writer.WriteHeader();
        writer.Write(original);
        stream.Position = 0;

        using var reader = TrajectoryReader.Open(stream, "memory");
        var read = Assert.Single(reader.ReadEntries()).Trajectory!;

        Assert.Equal(original.Steps[0].Action.TokenIds!, read.Steps[0].Action.TokenIds!);
        Assert.Equal(original.Steps[0].Action.LogProbs!, read.Steps[0].Action.LogProbs!);
    }

    [Fact]
    public void Read_RandomByteDamage_NeverThrowsAndReadsEveryUntouchedRecord()
    {
        var damage = Gen.Select(AnyTrajectory.Array[1, 5], Gen.Double[0, 1].Array[1, 4]);
        damage.Sample((originals, flips) =>
        {
            using var stream = new MemoryStream();
            var writer = new TrajectoryLogWriter(stream);
            writer.WriteHeader();
            var bounds = new List<(long Start, long End)>();
            foreach (var t in originals)
            {
                var start = stream.Length;
                writer.Write(t);
                bounds.Add((start, stream.Length));
            }
            var bytes = stream.ToArray();
            var damaged = flips.Select(f => TrajectoryFormat.HeaderBytes + (long)(f * (bytes.Length - TrajectoryFormat.HeaderBytes - 1))).ToHashSet();
            foreach (var position in damaged) bytes[position] ^= 0xA5;

            using var reader = TrajectoryReader.Open(new MemoryStream(bytes), "damaged");
            var entries = reader.ReadEntries().ToList();

            var expected = originals.Where((_, i) => !damaged.Any(p => p >= bounds[i].Start && p < bounds[i].End)).Select(TestFiles.Canonical).ToList();
            Assert.Equal(expected, entries.Where(e => e.Trajectory is not null).Select(e => TestFiles.Canonical(e.Trajectory!)));
            Assert.Equal(bytes.Length - TrajectoryFormat.HeaderBytes,
                entries.Sum(e => e.Corrupt?.Length ?? (bounds.Single(b => b.Start == e.Offset).End - e.Offset)));
        }, iter: 30);
    }
}
