using System.Text;
using Forge.Core;

namespace Forge.Sandbox.Docker;

/// <summary>
/// Collects one output stream up to a cap, remembering whether anything was dropped. Fed chunk by chunk, because the
/// engine delivers stdout and stderr interleaved on one multiplexed stream (the local backend's CappedOutput reads a
/// stream of its own instead).
/// </summary>
internal sealed class ExecOutput(int limit)
{
    private readonly MemoryStream _kept = new();

    public bool Truncated { get; private set; }

    public int Limit { get; } = limit;

    /// <summary>Keeps what fits; returns false once the cap is passed.</summary>
    public bool Append(ReadOnlySpan<byte> bytes)
    {
        var room = Limit - (int)_kept.Length;
        if (bytes.Length > room)
        {
            _kept.Write(bytes[..Math.Max(0, room)]);
            Truncated = true;
            return false;
        }
        _kept.Write(bytes);
        return true;
    }

    public string Text => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);

    public byte[] Bytes => _kept.ToArray();
}
