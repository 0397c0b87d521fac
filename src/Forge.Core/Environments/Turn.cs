namespace Forge.Core;

/// <summary>What an environment's step logic decided: the messages to show the agent, whether the task has ended, and a per-step reward.</summary>
public readonly record struct Turn(IReadOnlyList<Message> Observation, bool Ended, double Reward = 0)
{
    /// <summary>The episode goes on with these observations.</summary>
    public static Turn Continue(params Message[] observation) => new(observation, false);

    /// <summary>The task has ended (solved or failed); the rubric scores it.</summary>
    public static Turn End(params Message[] observation) => new(observation, true);
}
