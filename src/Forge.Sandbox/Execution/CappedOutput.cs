using System.Text;

namespace Forge.Sandbox.Execution;

/// <summary>Reads a stream to its end, keeping at most a number of bytes; reports when the cap is passed.</summary>
internal sealed class CappedOutput(int limit)
{
    private readonly MemoryStream _kept = new();

    /// <summary>True once more bytes arrived than the cap keeps.</summary>
    public bool Truncated { get; private set; }

    /// <summary>
    /// Copies <paramref name="source"/> until it ends. When the cap is passed, calls <paramref name="onOverflow"/> once and
    /// returns, or, with <paramref name="drain"/>, reads on to the end, discarding the rest.
    /// </summary>
    public async Task ReadAsync(Stream source, Action onOverflow, bool drain = false, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0) return;
                var room = limit - (int)_kept.Length;
                _kept.Write(buffer, 0, Math.Min(room, read));
                if (read > room && !Truncated)
                {
                    Truncated = true;
                    onOverflow();
                    if (!drain) return;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The process was killed or the pipe closed under us: keep what arrived.
        }
    }

    /// <summary>What was kept, decoded as UTF-8 (invalid bytes replaced).</summary>
    public string Text => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);
}
