using Forge.Core;

namespace Forge.Host.Checking;

// The reset/step contract: tasks, info, reset, step after done, truncation, dispose.
internal sealed partial class CheckRun
{
    private const string NoSuchTool = "forge_check_no_such_tool";

    private Task<string> CheckTasksAsync()
    {
        var all = environment.Tasks(options.Seeds[0]);
        if (all.Count == 0) throw new CheckFailure($"{environment.TaskSource} gives no tasks");
        if (all.Count != environment.TaskCount) throw new CheckFailure($"Tasks() gave {all.Count} tasks but the registry counts {environment.TaskCount}");
        var duplicate = all.GroupBy(t => t.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new CheckFailure($"the task id '{duplicate.Key}' is used {duplicate.Count()} times");
        if (all.FirstOrDefault(t => string.IsNullOrWhiteSpace(t.Id)) is not null) throw new CheckFailure("a task has no id");
        if (all.FirstOrDefault(t => !environment.TaskType.IsInstanceOfType(t)) is { } wrong)
            throw new CheckFailure($"task '{wrong.Id}' is a {wrong.GetType().Name}, not the {environment.TaskType.Name} the environment takes");
        foreach (var seed in options.Seeds)
        {
            var n = Math.Min(all.Count, options.Episodes * options.Seeds.Count);
            var first = environment.Tasks(seed, n);
            var again = environment.Tasks(seed, n);
            if (!first.SequenceEqual(again))
                throw new CheckFailure($"Tasks({seed}) differs between two calls: the same seed must give the same tasks (first difference at '{first.Zip(again).First(p => !Equals(p.First, p.Second)).First.Id}')");
        }
        return Task.FromResult($"{Plural(all.Count, "task")} from {environment.TaskSource}; ids unique; the same seed gives the same tasks");
    }

    private async Task<string> CheckInfoAsync()
    {
        await using var instance = NewInstance();
        EnvironmentInfo info;
        try
        {
            info = instance.Info;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CheckFailure($"Info threw {e.GetType().Name}: {CheckText.Printable(e.Message, 200)}");
        }
        if (info.Id != environment.Id) throw new CheckFailure($"Info.Id is '{info.Id}' but the environment is registered as '{environment.Id}'");
        if (info.Version != environment.Version) throw new CheckFailure($"Info.Version is '{info.Version}' but the registry says '{environment.Version}'");
        if (info.RequiresSandbox != environment.RequiresSandbox) throw new CheckFailure($"Info.RequiresSandbox is {info.RequiresSandbox} but the class says {environment.RequiresSandbox}");

        var ranges = new List<string>();
        var (seed, task) = Episodes()[0];
        foreach (var mode in new[] { RewardMode.Graded, RewardMode.Binary })
        {
            var outcome = await SendAsync(instance, seed, task, [], mode: mode).ConfigureAwait(false);
            var (min, max) = (outcome.Info!.MinReward, outcome.Info.MaxReward);
            if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
                throw new CheckFailure($"in {mode} mode the declared reward range [{min}, {max}] is not a finite interval");
            ranges.Add($"[{Number(min)}, {Number(max)}] {mode.ToString().ToLowerInvariant()}");
        }
        return $"{info.Id} v{info.Version}; reward range {string.Join(", ", ranges)}";
    }

    private async Task<string> CheckResetAsync()
    {
        await using var instance = NewInstance();
        var lengths = new List<int>();
        var tools = 0;
        foreach (var (seed, task) in Episodes())
        {
            var reset = (await SendAsync(instance, seed, task, []).ConfigureAwait(false)).Reset!;
            var prompt = reset.Observation;
            var where = $"seed {seed}, task '{task.Id}'";
            if (prompt is null || prompt.Count == 0) throw new CheckFailure($"{where}: reset returned no messages; the prompt needs at least a user message");
            if (prompt.Any(m => m is null)) throw new CheckFailure($"{where}: reset returned a null message");
            if (prompt[0].Role is not (Role.System or Role.User)) throw new CheckFailure($"{where}: the prompt opens with a {prompt[0].Role} message; it must open with a system or user message");
            if (prompt.FirstOrDefault(m => m.Role == Role.Tool) is not null) throw new CheckFailure($"{where}: the prompt has a tool message, which answers no call");
            if (reset.Tools is null || reset.Tools.Any(t => t is null)) throw new CheckFailure($"{where}: reset returned a null tool list or tool");
            lengths.Add(prompt.Count);
            tools = reset.Tools.Count;
        }
        return $"{Plural(lengths.Count, "reset")}: prompts of {lengths.Min()}–{lengths.Max()} messages, {Plural(tools, "tool")} on offer";
    }

    private async Task<string> CheckStepAfterDoneAsync()
    {
        await using var instance = NewInstance();
        var (seed, task) = Episodes()[0];
        var agent = Agents()[0];
        var record = (await PlayAsync(instance, seed, task, agent).ConfigureAwait(false)).Trajectory;
        try
        {
            await instance.StepAsync(Message.Assistant("one more message"), cancellationToken).AsTask().WaitAsync(options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return $"after {Plural(record.Steps.Count, "step")} with {agent.Id}, another step threw InvalidOperationException";
        }
        catch (TimeoutException)
        {
            throw new CheckFailure($"a step after the episode ended hung for {options.Timeout.TotalSeconds} s; it must throw InvalidOperationException");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CheckFailure($"a step after the episode ended threw {e.GetType().Name} ({CheckText.Printable(e.Message, 200)}); it must throw InvalidOperationException");
        }
        throw new CheckFailure("a step after the episode ended returned a result; it must throw InvalidOperationException (reset starts a new episode)");
    }

    private async Task<string> CheckTruncationAsync()
    {
        await using var instance = NewInstance();
        var (seed, task) = Episodes()[0];
        const int maxTurns = 2;

        // An agent that makes no progress (it calls a tool that doesn't exist) must be cut off by max_turns.
        var noops = Enumerable.Range(0, maxTurns).Select(turn => Message.Assistant("", new ToolCall($"noop-{turn}", NoSuchTool, "{}"))).ToList();
        var limited = await SendAsync(instance, seed, task, noops, limits: environment.Limits with { MaxTurns = maxTurns }).ConfigureAwait(false);
        if (limited.HostTruncation is not null || limited.Results.Count == 0 || !limited.Results[^1].Done)
            throw new CheckFailure($"after max_turns = {maxTurns} steps the episode was still going; it must end as truncated with the reason \"max_turns\"");
        var last = limited.Results[^1];
        if (limited.Results.Count < maxTurns)
            throw new CheckFailure($"the episode ended ({(last.Terminated ? "terminated" : "truncated")}) at step {limited.Results.Count} after a call of an unknown tool; " +
                $"a bad call should be answered with an error and the episode go on until max_turns = {maxTurns}");
        if (last.Terminated || !last.Truncated)
            throw new CheckFailure($"max_turns ended the episode with terminated={last.Terminated}, truncated={last.Truncated}; a limit truncates, it doesn't terminate");
        if (last.TruncationReason != "max_turns")
            throw new CheckFailure($"max_turns truncated the episode with the reason \"{last.TruncationReason}\"; expected \"max_turns\"");
        if (last.Breakdown is null) throw new CheckFailure("the truncated episode's last step carries no reward breakdown");

        // A limit outside the environment (the host's episode deadline) truncates through TruncateAsync.
        var outside = await SendAsync(instance, seed, task, environment.Limits.MaxTurns > 1 ? noops.Take(1).ToList() : [], truncateWith: "episode_timeout").ConfigureAwait(false);
        if (outside.Results.Count > 0 && outside.Results[0].Done) throw new CheckFailure("the episode ended on a call of an unknown tool; a bad call should be answered with an error");
        if (outside.TruncationResult is not { } result) throw new CheckFailure("TruncateAsync(\"episode_timeout\") was not answered");
        if (result.Terminated || !result.Truncated || result.TruncationReason != "episode_timeout")
            throw new CheckFailure($"TruncateAsync(\"episode_timeout\") returned terminated={result.Terminated}, truncated={result.Truncated}, reason \"{result.TruncationReason}\"; " +
                "expected truncated with the reason \"episode_timeout\"");
        if (result.Breakdown is null) throw new CheckFailure("TruncateAsync's result carries no reward breakdown");
        return $"max_turns = {maxTurns} truncated the episode (reason max_turns, not terminated); TruncateAsync(\"episode_timeout\") truncated it too";
    }

    private async Task<string> CheckDisposeAsync()
    {
        var fresh = NewInstance();
        await DisposeGuardedAsync(fresh, "disposing an instance that never ran an episode").ConfigureAwait(false);

        var used = NewInstance();
        var (seed, task) = Episodes()[0];
        var record = (await PlayAsync(used, seed, task, Agents()[0]).ConfigureAwait(false)).Trajectory;
        await DisposeGuardedAsync(used, "disposing an instance after an episode").ConfigureAwait(false);
        await DisposeGuardedAsync(used, "disposing an instance a second time").ConfigureAwait(false);
        return $"disposed an unused instance, and one after a {Plural(record.Steps.Count, "step")} episode twice";
    }

    private async Task DisposeGuardedAsync(IEnvironment instance, string what)
    {
        try
        {
            await instance.DisposeAsync().AsTask().WaitAsync(options.Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new CheckFailure($"{what} didn't finish within {options.Timeout.TotalSeconds} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CheckFailure($"{what} threw {e.GetType().Name}: {CheckText.Printable(e.Message, 200)}");
        }
    }
}
