using Forge.Core.Scripted;

namespace Forge.Environments.Vault;

/// <summary>Plays the vault game perfectly: looks up the task's key, follows a redirect, answers with the word.</summary>
public sealed class VaultSolver() : ScriptedAgent<VaultTask>("scripted/vault")
{
    protected override Message Act(VaultTask task, AgentTurn turn) => Vault.Play(turn, task.Key);
}

/// <summary>
/// A careless player for warm starts, with the habits of an untrained tool user: in 55% of episodes it doesn't use the
/// tool at all and guesses a code word; when it does look, it reads the right vault 85% of the time (a random one
/// otherwise), and it follows a "see Kn" note in only 15% of episodes (otherwise it answers with the note as it
/// reads). The format is right throughout. It succeeds in about a quarter of episodes (at most 30%).
/// Its choices depend only on the episode's seed.
/// </summary>
public sealed class VaultNoviceSolver() : ScriptedAgent<VaultTask>("scripted/vault-novice")
{
    /// <summary>The share of episodes in which the novice answers without looking anything up.</summary>
    public const double GuessRate = 0.55;

    /// <summary>When it looks, the share of episodes in which the novice reads the right vault.</summary>
    public const double CarefulRate = 0.85;

    /// <summary>The share of episodes in which the novice follows a redirect instead of answering with it.</summary>
    public const double FollowRate = 0.15;

    protected override Message Act(VaultTask task, AgentTurn turn)
    {
        var random = StableRandom.For(turn.Context.Seed, 0, salt: 0x40F1CE);
        if (random.NextDouble() < GuessRate) return Script.Say(VaultBoard.Words[random.Next(VaultBoard.Words.Count)]);
        var key = random.NextDouble() < CarefulRate ? task.Key : VaultBoard.Keys[random.Next(VaultBoard.Keys.Count)];
        var follows = random.NextDouble() < FollowRate;
        return Vault.Play(turn, key, follows);
    }
}

/// <summary>What both vault players do once they have chosen a key.</summary>
file static class Vault
{
    public static Message Play(AgentTurn turn, string key, bool followsRedirects = true)
    {
        var note = turn.LastResultOf("lookup");
        if (note is null || note.IsError) return Script.Call(turn, "lookup", new { key });
        return followsRedirects && VaultBoard.IsRedirect(note.Content, out var next) ? Script.Call(turn, "lookup", new { key = next }) : Script.Say(note.Content);
    }
}
