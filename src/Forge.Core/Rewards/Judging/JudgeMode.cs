namespace Forge.Core.Rewards;

/// <summary>How a judge's verdict is read from its model.</summary>
public enum JudgeMode
{
    /// <summary>From the reply's text: the last PASS/FAIL, or the last <c>Score: k</c> (<see cref="JudgeVerdict.Parse"/>).</summary>
    Text,

    /// <summary>
    /// From the probabilities of the reply's first token (the endpoint's top log-probs): P(yes) / (P(yes) + P(no)) on a
    /// pass/fail scale, the expected digit on a 0–N scale, as G-Eval scores. Any model that can say "yes" can judge this way,
    /// even a small one whose text would not parse (<see cref="JudgeVerdict.FromLogprobs"/>).
    /// </summary>
    Logprobs,
}
