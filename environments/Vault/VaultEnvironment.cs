using System.ComponentModel;
using Forge.Core.Rewards;
using Microsoft.SemanticKernel;

namespace Forge.Environments.Vault;

/// <summary>
/// A tool-use game small enough for a tiny policy trained from scratch: look up the vault's key, follow a "see Kn" note
/// at level 2, answer with the code word. The words move between vaults with every seed, so only using the tool works.
/// </summary>
[Environment("game/vault", Version = "1", Description = "Tool-use game: look up a vault's code word (following one redirect at level 2) and answer with it.",
    Solver = typeof(VaultSolver), TaskGenerator = typeof(VaultTasks), TaskCount = 500)]
public sealed class VaultEnvironment : ToolEnvironment<VaultTask>
{
    /// <summary>The system message of every episode.</summary>
    public const string Rules = "lookup(key) reads the note in a vault. If it points to another vault, look that one up. Reply with the code word only.";

    private VaultBoard? _board;
    private readonly HashSet<string> _looked = [];
    private readonly HashSet<string> _wordsRead = new(StringComparer.Ordinal);
    private int _lookups;

    private VaultBoard Board => _board ?? throw new InvalidOperationException("game/vault: call ResetAsync before stepping.");

    protected override ValueTask OnResetAsync(CancellationToken cancellationToken)
    {
        _board = VaultBoard.Deal(Context.Seed, Task);
        _looked.Clear();
        _wordsRead.Clear();
        _lookups = 0;
        return ValueTask.CompletedTask;
    }

    protected override IEnumerable<Message> Prompt(VaultTask task) => [Message.System(Rules), Message.User($"Open vault {task.Key}.")];

    [KernelFunction, Description("Read the note in a vault: its code word, or 'see Kn' pointing to another vault.")]
    public string Lookup([Description("The vault's key, K0 to K15")] string key)
    {
        _lookups++;
        var note = Board.Read(key) ?? throw new ArgumentException($"no vault '{key}'; keys are K0 to K15");
        _looked.Add(VaultBoard.Normalize(key)!);
        if (!VaultBoard.IsRedirect(note, out _)) _wordsRead.Add(note.Trim());
        return note;
    }

    protected override Rubric Rubric => new Rubric<VaultTask>()
        .Add(new ExactMatch<VaultTask>(_ => Board.CodeWord, weight: 1.0, caseSensitive: true, name: "opened"))
        .Add("called_lookup", 0.2, _ => _lookups > 0 ? 1 : 0)
        .Add("right_key", 0.4, _ => Board.Path.Count(_looked.Contains) / (double)Board.Path.Count)
        // Answering with a code word the agent actually read (even from the wrong vault) is the copy step on its own.
        .Add("answered_with_note", 0.3, c => c.FinalAnswer?.Trim() is { } a && _wordsRead.Contains(a) ? 1 : 0)
        .Add(new FormatCheck(weight: 0.1));
}
