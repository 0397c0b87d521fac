using System.Globalization;
using System.Text;
using TorchSharp;

namespace Forge.Training.Pipeline;

/// <summary>
/// Writes every <see cref="UpdateMetrics"/> row to <c>metrics.csv</c> (flushed per row, so a run can be watched and a
/// crash loses nothing) and to TensorBoard event files under <c>tensorboard/</c>.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    private static readonly string[] Columns =
    [
        "phase", "step", "wall_s", "policy_version", "stage", "episodes", "reward_mean", "reward_std", "success_rate",
        "loss", "sft_loss", "entropy", "clip_fraction", "approx_kl", "kl_ref", "grad_norm", "lr",
        "policy_tokens", "gen_tokens_per_s", "train_tokens_per_s", "staleness", "skipped_groups", "stale_groups", "update_s", "errored_episodes", "refills",
    ];

    private readonly StreamWriter _csv;
    private readonly IReadOnlyList<string> _environments;
    private readonly TorchSharp.Modules.SummaryWriter? _tensorBoard;
    private readonly List<UpdateMetrics> _rows = [];

    /// <summary>Creates <c>metrics.csv</c> (with per-environment columns for <paramref name="environments"/>) and the TensorBoard writer in <paramref name="directory"/>.</summary>
    public MetricsLog(string directory, IReadOnlyList<string> environments, bool tensorBoard = true)
    {
        Directory.CreateDirectory(directory);
        _environments = environments;
        CsvPath = Path.Combine(directory, "metrics.csv");
        _csv = new StreamWriter(CsvPath, append: false, new UTF8Encoding(false));
        var header = Columns.Concat(environments.SelectMany(e => new[] { $"reward_mean/{e}", $"reward_std/{e}", $"success_rate/{e}", $"reward_mode/{e}" }));
        _csv.WriteLine(string.Join(',', header));
        _csv.Flush();
        if (tensorBoard) _tensorBoard = torch.utils.tensorboard.SummaryWriter(Path.Combine(directory, "tensorboard"));
    }

    /// <summary>The CSV file.</summary>
    public string CsvPath { get; }

    /// <summary>Every row written so far.</summary>
    public IReadOnlyList<UpdateMetrics> Rows => _rows;

    /// <summary>Appends one row.</summary>
    public void Write(UpdateMetrics row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _rows.Add(row);
        var u = row.Update;
        var values = new List<string>
        {
            row.Phase, I(row.Step), F(row.WallSeconds), I(row.PolicyVersion), I(row.Stage), I(row.Episodes),
            F(row.RewardMean), F(row.RewardStd), F(row.SuccessRate),
            F(u?.Loss), F(row.SupervisedLoss), F(u?.Entropy), F(u?.ClipFraction), F(u?.ApproxKl), F(u?.RefKl), F(u?.GradNorm), F(u?.LearningRate),
            F(u?.PolicyTokens), F(row.GeneratedTokensPerSecond), F(u is null ? null : row.TrainTokensPerSecond), F(row.Staleness),
            I(row.SkippedGroups), I(row.StaleGroups), F(u?.Seconds), I(row.ErroredEpisodes), I(row.Refills),
        };
        foreach (var e in _environments)
        {
            var found = row.PerEnvironment.TryGetValue(e, out var s);
            values.AddRange(found ? [F(s.Mean), F(s.Std), F(s.Success)] : ["", "", ""]);
            values.Add(row.RewardModes.TryGetValue(e, out var mode) ? mode.ToString().ToLowerInvariant() : "");
        }
        _csv.WriteLine(string.Join(',', values));
        _csv.Flush();

        if (_tensorBoard is null) return;
        var step = (int)Math.Round(row.WallSeconds * 1000);   // one time axis for every phase: milliseconds since the start
        var prefix = row.Phase + "/";
        _tensorBoard.add_scalar(prefix + "success_rate", (float)row.SuccessRate, step);
        _tensorBoard.add_scalar(prefix + "reward_mean", (float)row.RewardMean, step);
        if (row.SupervisedLoss is { } sft) _tensorBoard.add_scalar(prefix + "loss", (float)sft, step);
        if (row.Phase != "warm_start") _tensorBoard.add_scalar(prefix + "errored_episodes", row.ErroredEpisodes, step);
        if (u is null) return;
        _tensorBoard.add_scalar("rl/loss", (float)u.Loss, step);
        _tensorBoard.add_scalar("rl/entropy", (float)u.Entropy, step);
        _tensorBoard.add_scalar("rl/clip_fraction", (float)u.ClipFraction, step);
        _tensorBoard.add_scalar("rl/approx_kl", (float)u.ApproxKl, step);
        _tensorBoard.add_scalar("rl/kl_ref", (float)u.RefKl, step);
        _tensorBoard.add_scalar("rl/skipped_groups", row.SkippedGroups, step);
        _tensorBoard.add_scalar("rl/refills", row.Refills, step);
        _tensorBoard.add_scalar("rl/staleness", (float)row.Staleness, step);
        _tensorBoard.add_scalar("rl/gen_tokens_per_s", (float)row.GeneratedTokensPerSecond, step);
        foreach (var (env, s) in row.PerEnvironment)
            _tensorBoard.add_scalar($"rl/success_rate/{env}", (float)s.Success, step);
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string F(double? v) => v is { } x ? x.ToString("0.######", CultureInfo.InvariantCulture) : "";

    /// <inheritdoc />
    public void Dispose() => _csv.Dispose();
}
