using Forge.Agents.Scripted;

namespace Forge.Environments.Vault;

/// <summary>Plays the vault game perfectly: looks up the task's key, follows a redirect, answers with the word.</summary>
public sealed class VaultSolver() : ScriptedAgent<VaultTask>("scripted/vault")
{
    protected override Message Act(VaultTask task, AgentTurn turn) => Vault.Play(turn, task.Key);
}

/// <summary>
/// A weak player for warm starts: it plays the right key in 15% of episodes and a random key otherwise,
/// with the right format throughout, so it succeeds in about a fifth of episodes (at most 30%).
/// Its choice depends only on the episode's seed.
/// </summary>
public sealed class VaultNoviceSolver() : ScriptedAgent<VaultTask>("scripted/vault-novice")
{
    /// <summary>The share of episodes in which the novice looks up the right key.</summary>
    public const double CarefulRate = 0.15;

    protected override Message Act(VaultTask task, AgentTurn turn)
    {
        var random = StableRandom.For(turn.Context.Seed, 0, salt: 0x40F1CE);
        var key = random.NextDouble() < CarefulRate ? task.Key : VaultBoard.Keys[random.Next(VaultBoard.Keys.Count)];
        return Vault.Play(turn, key);
    }
}

/// <summary>What both vault players do once they have chosen a key.</summary>
file static class Vault
{
    public static Message Play(AgentTurn turn, string key)
    {
        var note = turn.LastResultOf("lookup");
        if (note is null || note.IsError) return Script.Call(turn, "lookup", new { key });
        return VaultBoard.IsRedirect(note.Content, out var next) ? Script.Call(turn, "lookup", new { key = next }) : Script.Say(note.Content);
    }
}
