using Forge.Cli.Commands.Trajectories;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Cli.Tests.Commands.Trajectories;

/// <summary>Text an untrained policy emits (control characters, escape sequences, broken surrogates, undecodable bytes) is shown escaped by <c>replay</c>.</summary>
public sealed class ReplayTextTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("forge-cli-text-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Replay_ControlCharactersAndInvalidText_AreEscapedNeverWrittenRaw()
    {
        var hostile = "red\u001b[31mALERT\u0007 bell\r over\u202egnp.exe lone\ud800 bad\ufffd tab\tend";
        var trajectory = new Trajectory
        {
            EpisodeId = "ep\u001b[2J", EnvironmentId = "game/vault", TaskId = "t\u0000",
            Prompt = [Message.User("hello\nworld")],
            Steps = [new Step { Action = Message.Assistant(hostile, new ToolCall("c\u0007", "look\u001bup", "{\"k\": \"\u0001\"}")), Observation = [Message.ToolResult("c", "lookup", hostile, isError: true)] }],
            Termination = Termination.Errored, Error = new EpisodeError(ErrorBoundary.Agent, "X", hostile),
        };
        await using (var recorder = new TrajectoryRecorder(_dir))
            await recorder.OnTrajectoryAsync(trajectory, CancellationToken.None);
        var output = new StringWriter();

        await ReplayCommand.RunAsync(new ReplayCommand.Settings { File = Path.Combine(_dir, TrajectoryRecorder.DefaultFileName) }, output, TextWriter.Null, width: 400);

        var text = output.ToString();
        Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007' or '\u0000' or '\u0001' or '\r' or '\u202e' or '\ufffd' || char.IsSurrogate(c));
        // The lone surrogate can't be encoded as UTF-8: the log holds U+FFFD in its place, shown escaped like any undecodable text.
        Assert.Contains(@"red\u001b[31mALERT\u0007 bell\u000d over\u202egnp.exe lone\ufffd bad\ufffd tab\tend", text);
        Assert.Contains(@"Episode ep\u001b[2J", text);
        Assert.Contains(@"look\u001bup", text);
        Assert.Contains("hello\n", text);   // line breaks stay line breaks
    }

    [Fact]
    public void Escape_LoneSurrogateInMemory_IsEscaped()
    {
        Assert.Equal(@"a\ud800b\udc00", TerminalText.Escape("a\ud800b\udc00"));
    }

    [Fact]
    public void Escape_PrintableTextAndEmoji_AreLeftAsTheyAre()
    {
        Assert.Equal("héllo 世界 🎲 \"quoted\"", TerminalText.Escape("héllo 世界 🎲 \"quoted\""));
    }
}
