using Forge.Core.Rewards;

namespace Forge.Environments.SupportDesk;

/// <summary>
/// support/desk's optional LLM-judged reward: was the agent polite to the customer? Rules (<see cref="Compliance.Tone"/>)
/// catch listed rude phrases; a judge model reads the whole conversation, sarcasm and curtness included.
/// </summary>
public static class Politeness
{
    /// <summary>The reward's name in the breakdown.</summary>
    public const string Name = "politeness";

    /// <summary>What the judge is told to judge.</summary>
    public const string Rubric =
        "Judge only the assistant's manners towards the customer, not whether the problem was solved. It passes when every " +
        "reply is courteous and professional; it fails when any reply is rude, curt, sarcastic, blaming or dismissive.";

    /// <summary>The judge on a pass/fail scale, weight 0.2, asking <paramref name="endpoint"/>.</summary>
    public static LlmJudge<SupportTask> Judge(JudgeEndpoint endpoint) => new(Name, 0.2, endpoint, _ => Rubric);
}
