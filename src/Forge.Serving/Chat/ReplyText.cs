using Forge.Training.Generation;
using Forge.Training.Tokenization;

namespace Forge.Serving.Chat;

/// <summary>
/// The text of one choice as its tokens arrive: decoded incrementally (a token that ends inside a UTF-8 character is
/// held until the character completes), cut at the first stop string, and released in deltas that never show the start
/// of a stop string that may still complete. The format's end-of-turn token ends the reply and is not part of its text.
/// </summary>
internal sealed class ReplyText(ITokenizer tokenizer, IReadOnlyCollection<int> stopTokens, IReadOnlyList<string> stops)
{
    private readonly List<int> _body = [];
    private readonly int _holdBack = stops.Count == 0 ? 0 : stops.Max(s => s.Length) - 1;
    private string _committed = "";
    private int _committedTokens;
    private int _released;

    /// <summary>Every token generated (the end-of-turn token included), with its log-prob and alternatives.</summary>
    public List<DecodedToken> Tokens { get; } = [];

    /// <summary>The text so far (cut at a stop string once one matched).</summary>
    public string Text { get; private set; } = "";

    /// <summary>True once a stop string matched: the reply is over.</summary>
    public bool StopMatched { get; private set; }

    /// <summary>Adds a token; returns the text that may be released now ("" when none).</summary>
    public string Add(DecodedToken token)
    {
        Tokens.Add(token);
        if (StopMatched || stopTokens.Contains(token.Id)) return "";
        if (token.Id < tokenizer.VocabSize) _body.Add(token.Id);   // a padded embedding row has no text
        var tail = tokenizer.Decode(_body.Skip(_committedTokens));
        if (!tail.EndsWith('\uFFFD'))
        {
            _committed += tail;
            _committedTokens = _body.Count;
            tail = "";
        }
        Text = _committed + tail;
        var cut = -1;
        foreach (var stop in stops)
        {
            var at = Text.IndexOf(stop, Math.Max(0, _released - stop.Length + 1), StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Text = Text[..Math.Max(cut, _released)];
            StopMatched = true;
            return Flush();
        }
        var safe = Text.Length - _holdBack - (Text.EndsWith('\uFFFD') ? 1 : 0);
        if (safe <= _released) return "";
        var delta = Text[_released..safe];
        _released = safe;
        return delta;
    }

    /// <summary>The text not released yet (at the end of the reply).</summary>
    public string Flush()
    {
        if (_released >= Text.Length) return "";
        var delta = Text[_released..];
        _released = Text.Length;
        return delta;
    }
}
