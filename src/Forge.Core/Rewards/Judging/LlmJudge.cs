using System.Text;
using Microsoft.Extensions.AI;

namespace Forge.Core.Rewards;

/// <summary>
/// A model as judge of what rules can't check (tone, helpfulness, faithfulness): the rubric prompt and the episode go to a
/// <see cref="JudgeEndpoint"/> at temperature 0, and the verdict (<see cref="JudgeVerdict"/>: parsed from the reply's text, or
/// weighed from its first token's probabilities) becomes the score. It never throws: a reply without a verdict, or a judge
/// that stays unreachable after the retries, scores 0 and is noted as a judge error. The verdict is kept with the score
/// (<see cref="RewardContext.Judgements"/>, the raw reply in <see cref="RewardContext.Notes"/>), so replay and rerun score it
/// again without calling the judge.
/// </summary>
public sealed class LlmJudge<TTask> : RewardFunction<TTask> where TTask : IEnvironmentTask
{
    private readonly JudgeEndpoint _endpoint;
    private readonly Func<RewardContext<TTask>, string> _rubric;
    private readonly int _scaleMax;

    /// <summary>
    /// A judge named <paramref name="name"/> asking <paramref name="endpoint"/>: <paramref name="rubric"/> says what to judge in an
    /// episode, on a scale topped by <paramref name="scaleMax"/> (1: pass/fail; N: 0–N, at most 9 in logprobs mode).
    /// </summary>
    public LlmJudge(string name, double weight, JudgeEndpoint endpoint, Func<RewardContext<TTask>, string> rubric, int scaleMax = 1) : base(name, weight)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(rubric);
        var most = endpoint.Options.Mode == JudgeMode.Logprobs ? 9 : 100;
        if (scaleMax < 1 || scaleMax > most)
            throw new ArgumentOutOfRangeException(nameof(scaleMax), scaleMax, $"LLM judge '{name}': the scale must top out between 1 and {most} in {endpoint.Options.Mode.ToString().ToLowerInvariant()} mode.");
        (_endpoint, _rubric, _scaleMax) = (endpoint, rubric, scaleMax);
    }

    /// <summary>A judge asking <paramref name="client"/> through an endpoint of its own (text verdicts).</summary>
    public LlmJudge(string name, double weight, IChatClient client, Func<RewardContext<TTask>, string> rubric, LlmJudgeOptions options, int scaleMax = 1)
        : this(name, weight, new JudgeEndpoint(new ChatClientJudgeModel(client), options), rubric, scaleMax) { }

    /// <summary>The endpoint it asks.</summary>
    public JudgeEndpoint Endpoint => _endpoint;

    /// <inheritdoc />
    public override async ValueTask<double> Score(RewardContext<TTask> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var instructions = Instructions(context);
        Judgement judgement;
        try
        {
            judgement = await _endpoint.JudgeAsync(Name, Prompt(context), JudgeEndpoint.Hash(instructions), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Notes[Name] = $"judge error: {e.GetType().Name}: {e.Message}";
            return 0;
        }
        context.Judgements[Name] = judgement;
        var score = judgement.Mode == JudgeMode.Logprobs
            ? JudgeVerdict.FromLogprobs(judgement.FirstTokenLogprobs, _scaleMax)
            : JudgeVerdict.Parse(judgement.Reply, _scaleMax);
        context.Notes[Name] = score is null ? $"judge error: no verdict in the reply: {Describe(judgement)}" : Describe(judgement);
        return score ?? 0;
    }

    /// <summary>What the judge is asked: the rubric, the episode (the conversation after the system prompt), and how to answer.</summary>
    public string Prompt(RewardContext<TTask> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = new StringBuilder();
        text.AppendLine(Preamble);
        text.AppendLine(_rubric(context).Trim());
        text.AppendLine();
        text.AppendLine("The conversation:");
        foreach (var message in context.Conversation.Where(m => m.Role != Role.System))
            text.Append('[').Append(message.Role.ToString().ToLowerInvariant()).Append("] ").AppendLine(message.Content);
        text.AppendLine();
        text.Append(AnswerLine());
        return text.ToString();
    }

    private const string Preamble = "You are a strict judge of one conversation between an assistant and a user.";

    /// <summary>The prompt without the conversation: what to judge and how to answer. A rerun compares its hash with the recorded one.</summary>
    private string Instructions(RewardContext<TTask> context) => $"{Preamble}\n{_rubric(context).Trim()}\n{AnswerLine()}";

    private string AnswerLine() => (_endpoint.Options.Mode, _scaleMax) switch
    {
        (JudgeMode.Text, 1) => "Answer with one word on the last line: PASS or FAIL.",
        (JudgeMode.Text, var n) => $"Answer on the last line with 'Score: k', k a whole number from 0 (worst) to {n} (best).",
        (_, 1) => "Answer with one word: yes or no.",
        (_, var n) => $"Answer with one digit from 0 (worst) to {n} (best).",
    };

    /// <summary>The reply as noted beside the score: its text, and in logprobs mode the first-token alternatives that decided it.</summary>
    private static string Describe(Judgement judgement) =>
        judgement.FirstTokenLogprobs is not { Count: > 0 } top ? judgement.Reply
            : $"{judgement.Reply} [first token: {string.Join(", ", top.Take(5).Select(t => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"'{t.Token}' {t.Logprob:0.####}")))}]";
}
