using System.Threading.Channels;
using Forge.Training.Generation;

namespace Forge.Serving.Batching;

/// <summary>What the scheduler says about a row: a token, the end, or a failure.</summary>
/// <param name="Token">A generated token; null on the end or a failure.</param>
/// <param name="Finished">Why it ended (stop token or budget); null before the end.</param>
/// <param name="Error">Why it could not be decoded; null when it could.</param>
internal readonly record struct RowEvent(DecodedToken? Token, FinishReason? Finished, Exception? Error);

/// <summary>
/// One choice of one request on its way through the scheduler: the decode request, a channel of what the decode loop
/// produced for it, and a stop switch the request's side pulls when its client goes away or a stop string matched —
/// the row then leaves the batch before the next step.
/// </summary>
internal sealed class CompletionRow
{
    private readonly Channel<RowEvent> _events = Channel.CreateUnbounded<RowEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private int _stopped;

    public CompletionRow(DecodeRequest request) => Request = request;

    /// <summary>What to decode.</summary>
    public DecodeRequest Request { get; }

    /// <summary>The policy version when it joined the batch.</summary>
    public long Version { get; set; }

    /// <summary>True once <see cref="Stop"/> was called.</summary>
    public bool IsStopped => Volatile.Read(ref _stopped) == 1;

    /// <summary>What the decode loop produced, in order; completes after the end or a failure.</summary>
    public ChannelReader<RowEvent> Events => _events.Reader;

    /// <summary>Asks the scheduler to drop the row at its next step.</summary>
    public void Stop() => Volatile.Write(ref _stopped, 1);

    internal void Publish(DecodedToken token) => _events.Writer.TryWrite(new RowEvent(token, null, null));

    internal void Finish(FinishReason reason)
    {
        _events.Writer.TryWrite(new RowEvent(null, reason, null));
        _events.Writer.TryComplete();
    }

    internal void Fail(Exception error)
    {
        _events.Writer.TryWrite(new RowEvent(null, null, error));
        _events.Writer.TryComplete();
    }

    internal DecodeRow? Row { get; set; }
}
