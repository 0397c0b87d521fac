using System.Collections;
using Forge.Core;

namespace Forge.Host;

/// <summary>
/// An episode's conversation, append-only, whose snapshots cost one small object and never change: appends write past
/// the end of every snapshot taken so far, and a full buffer is replaced by a larger copy rather than resized in place.
/// Each agent turn gets a snapshot instead of a copy of the whole conversation.
/// </summary>
internal sealed class MessageLog
{
    private Message[] _items = new Message[16];
    private int _count;

    /// <summary>Messages so far.</summary>
    public int Count => _count;

    /// <summary>Appends one message.</summary>
    public void Add(Message message)
    {
        if (_count == _items.Length)
        {
            var larger = new Message[_items.Length * 2];
            Array.Copy(_items, larger, _count);
            _items = larger;
        }
        _items[_count++] = message;
    }

    /// <summary>Appends each of <paramref name="messages"/>.</summary>
    public void AddRange(IReadOnlyList<Message> messages)
    {
        for (var i = 0; i < messages.Count; i++) Add(messages[i]);
    }

    /// <summary>The conversation as it is now; later appends don't show in it.</summary>
    public IReadOnlyList<Message> Snapshot() => new View(_items, _count);

    /// <summary>A read-only view of the first <c>count</c> messages of a buffer that is only ever written past them.</summary>
    private sealed class View(Message[] items, int count) : IReadOnlyList<Message>
    {
        public Message this[int index] => (uint)index < (uint)count ? items[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => count;

        public IEnumerator<Message> GetEnumerator()
        {
            for (var i = 0; i < count; i++) yield return items[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
