using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Forge.Core;
using Forge.Host.Recording;

namespace Forge.Viewer.Tests;

/// <summary>The viewer's JSON API over <see cref="ViewerRuns"/>, checked against the logs read independently.</summary>
[Collection("viewer")]
public sealed class ViewerApiTests(ViewerSession session)
{
    private async Task<JsonElement> Get(string path)
    {
        using var response = await session.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Runs_ListsEveryRunWithPerEnvironmentResults()
    {
        var runs = (await Get("api/runs")).GetProperty("runs").EnumerateArray().ToList();

        // Reruns and forks other tests record show up as runs of their own (quickstart/reruns, quickstart/forks).
        Assert.Equal(["damaged", "escapes", "newer", "quickstart", "quickstart/train"],
            runs.Select(r => r.GetProperty("id").GetString()).Where(id => id is not ("quickstart/reruns" or "quickstart/forks")));
        var quickstart = runs.Single(r => r.GetProperty("id").GetString() == "quickstart");
        var log = quickstart.GetProperty("logs")[0];
        Assert.Equal(session.Runs.QuickstartEpisodes.Count, log.GetProperty("episodes").GetInt32());
        foreach (var group in session.Runs.QuickstartEpisodes.GroupBy(t => t.EnvironmentId))
        {
            var row = log.GetProperty("environments").EnumerateArray().Single(e => e.GetProperty("environment").GetString() == group.Key);
            Assert.Equal(group.Count(), row.GetProperty("episodes").GetInt32());
            Assert.Equal(group.Average(t => t.Success ? 1.0 : 0.0), row.GetProperty("successRate").GetDouble(), 9);
            Assert.Equal(group.Average(t => t.TotalReward), row.GetProperty("meanReward").GetDouble(), 9);
        }
        Assert.True(runs.Single(r => r.GetProperty("id").GetString() == "quickstart/train").GetProperty("training").GetBoolean());
        var newer = runs.Single(r => r.GetProperty("id").GetString() == "newer").GetProperty("logs")[0];
        Assert.Contains("written by a newer Forge (format 9", newer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Episodes_Filtered_MatchesTheSameFilterOverTheLog()
    {
        var data = await Get("api/episodes?log=quickstart/trajectories.forge&env=support/desk&success=no&sort=reward&desc=yes&size=500");

        var expected = session.Runs.QuickstartEpisodes.Select((t, i) => (t, i)).Where(x => x.t.EnvironmentId == "support/desk" && !x.t.Success)
            .OrderByDescending(x => x.t.TotalReward).ThenBy(x => x.i).Select(x => x.i).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, data.GetProperty("matched").GetInt32());
        Assert.Equal(expected, data.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("ordinal").GetInt32()));
    }

    [Fact]
    public async Task Episodes_ToolErrorsRewardRangeAndPages_AreApplied()
    {
        var all = session.Runs.QuickstartEpisodes;
        var withToolErrors = all.Count(t => t.ToolErrorCount > 0);
        var data = await Get("api/episodes?log=quickstart/trajectories.forge&tool_errors=yes&size=5&page=1");
        Assert.Equal(withToolErrors, data.GetProperty("matched").GetInt32());
        var expectedPage = all.Select((t, i) => (t, i)).Where(x => x.t.ToolErrorCount > 0).Skip(5).Take(5).Select(x => x.i);
        Assert.Equal(expectedPage, data.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("ordinal").GetInt32()));

        var range = await Get("api/episodes?log=quickstart/trajectories.forge&min_reward=0.5&max_reward=1&termination=terminated");
        Assert.Equal(all.Count(t => t.TotalReward is >= 0.5 and <= 1 && t.Termination == Termination.Terminated), range.GetProperty("matched").GetInt32());
    }

    [Theory]
    [InlineData("api/episodes?log=quickstart/trajectories.forge&min_reward=lots", "`min_reward` must be a number (got `lots`).")]
    [InlineData("api/episodes?log=quickstart/trajectories.forge&termination=exploded", "`termination` must be one of terminated, truncated, cancelled, errored (got `exploded`).")]
    [InlineData("api/episodes?log=quickstart/trajectories.forge&sort=colour", "`sort` must be one of")]
    [InlineData("api/episodes?log=nope.forge", "There is no trajectory log `nope.forge`")]
    [InlineData("api/episode?log=quickstart/trajectories.forge&n=100000", "readable episodes; there is no episode 100000.")]
    public async Task BadRequests_AnswerWithOneClearError(string path, string error)
    {
        using var response = await session.Http.GetAsync(path);

        Assert.False(response.IsSuccessStatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(error, body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Episode_ShowsTheConversationAsRecorded()
    {
        var ordinal = session.Runs.QuickstartEpisodes.ToList().FindIndex(t => t.Steps.Any(s => s.Action.ToolCalls.Count > 0) && t.ToolErrorCount > 0);
        var t = session.Runs.QuickstartEpisodes[ordinal];

        var e = (await Get($"api/episode?log=quickstart/trajectories.forge&n={ordinal}")).GetProperty("episode");

        Assert.Equal(t.EpisodeId, e.GetProperty("summary").GetProperty("episodeId").GetString());
        Assert.Equal(t.Prompt.Select(m => m.Content), e.GetProperty("prompt").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        var steps = e.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(t.Steps.Count, steps.Count);
        for (var i = 0; i < t.Steps.Count; i++)
        {
            Assert.Equal(t.Steps[i].Reward, steps[i].GetProperty("reward").GetDouble());
            Assert.Equal(t.Steps[i].Action.ToolCalls.Select(c => c.ArgumentsJson), steps[i].GetProperty("action").GetProperty("toolCalls").EnumerateArray().Select(c => c.GetProperty("arguments").GetString()));
            Assert.Equal(t.Steps[i].Observation.Select(o => o.IsError), steps[i].GetProperty("observation").EnumerateArray().Select(o => o.GetProperty("isError").GetBoolean()));
        }
    }

    [Fact]
    public async Task Episode_ControlCharactersAndUndecodableText_AreEscaped()
    {
        var e = (await Get("api/episode?log=escapes/trajectories.forge&n=0")).GetProperty("episode");

        var action = e.GetProperty("steps")[0].GetProperty("action");
        Assert.Equal("ok \\u001b[31mred\\u001b[0m \\u0000 \\ufffd \\ufffd done", action.GetProperty("content").GetString());
        Assert.True(action.GetProperty("escaped").GetBoolean());
        Assert.Equal("t\\u0007ask", e.GetProperty("summary").GetProperty("taskId").GetString());
        Assert.Equal([-0.1f, -2.5f, -9f], action.GetProperty("tokens").EnumerateArray().Select(t => t.GetProperty("logProb").GetSingle()));
    }

    [Fact]
    public async Task DamagedLog_ListsTheDamageAndServesTheRest()
    {
        var data = await Get("api/episodes?log=damaged/trajectories.forge");

        var corrupt = data.GetProperty("log").GetProperty("corrupt").EnumerateArray().ToList();
        Assert.Equal(2, corrupt.Count);
        Assert.False(corrupt[0].GetProperty("atEndOfFile").GetBoolean());
        Assert.True(corrupt[1].GetProperty("atEndOfFile").GetBoolean());
        Assert.Equal(2, data.GetProperty("total").GetInt32());           // v1.forge holds 4: the first is damaged, the last torn
        Assert.Equal("ep-0002", (await Get("api/episode?log=damaged/trajectories.forge&n=0")).GetProperty("episode").GetProperty("summary").GetProperty("episodeId").GetString());
    }

    [Fact]
    public async Task Compare_TwoEpisodesOfOneTask_FindsTheFirstDivergence()
    {
        var episodes = session.Runs.QuickstartEpisodes;
        var (a, b) = FirstPairThatDiffers(episodes);

        var data = await Get($"api/compare?a=quickstart/trajectories.forge&an={a}&b=quickstart/trajectories.forge&bn={b}");

        var divergence = data.GetProperty("divergence");
        var step = Enumerable.Range(0, Math.Min(episodes[a].Steps.Count, episodes[b].Steps.Count))
            .First(i => episodes[a].Steps[i].Action.Content != episodes[b].Steps[i].Action.Content
                || !episodes[a].Steps[i].Action.ToolCalls.SequenceEqual(episodes[b].Steps[i].Action.ToolCalls));
        Assert.Equal(step, divergence.GetProperty("step").GetInt32());
        Assert.Equal("action", divergence.GetProperty("what").GetString());
        var same = await Get($"api/compare?a=quickstart/trajectories.forge&an={a}&b=quickstart/trajectories.forge&bn={a}");
        Assert.Equal(JsonValueKind.Null, same.GetProperty("divergence").ValueKind);
    }

    [Fact]
    public async Task Rerun_SupportDeskEpisode_Reproduces()
    {
        var ordinal = session.Runs.QuickstartEpisodes.ToList().FindIndex(t => t.EnvironmentId == "support/desk");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/rerun?log=quickstart/trajectories.forge&n={ordinal}");
        request.Headers.Add("X-Forge-Viewer", "1");

        using var response = await session.Http.SendAsync(request);

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.True(body.GetProperty("reproduced").GetBoolean(), body.ToString());
        Assert.Equal(session.Runs.QuickstartEpisodes[ordinal].Steps.Count, body.GetProperty("stepsReplayed").GetInt32());
        var recorded = body.GetProperty("recorded");
        Assert.Equal("quickstart/reruns/trajectories.forge", recorded.GetProperty("log").GetString());
        var rerun = (await Get($"api/episode?log=quickstart/reruns/trajectories.forge&n={recorded.GetProperty("ordinal").GetInt32()}")).GetProperty("episode");
        Assert.Equal(session.Runs.QuickstartEpisodes[ordinal].EpisodeId, rerun.GetProperty("summary").GetProperty("episodeId").GetString());
        Assert.Equal(session.Runs.QuickstartEpisodes[ordinal].TotalReward, rerun.GetProperty("summary").GetProperty("totalReward").GetDouble());
    }

    [Fact]
    public async Task Fork_SupportDeskEpisodeAtStepOne_RecordsBranchesWithTheirParent()
    {
        var ordinal = session.Runs.QuickstartEpisodes.ToList().FindIndex(t => t.EnvironmentId == "support/desk" && t.Steps.Count > 2);
        var parent = session.Runs.QuickstartEpisodes[ordinal];

        var body = await Post($"api/fork?log=quickstart/trajectories.forge&n={ordinal}&step=1&agent=noisy:0.3&samples=3");

        Assert.Equal(1, body.GetProperty("forkStep").GetInt32());
        var branches = body.GetProperty("branches").EnumerateArray().ToList();
        Assert.Equal(3, branches.Count);
        foreach (var branch in branches)
        {
            Assert.Equal(JsonValueKind.Null, branch.GetProperty("prefixDivergence").ValueKind);
            var recorded = branch.GetProperty("recorded");
            Assert.Equal("quickstart/forks/trajectories.forge", recorded.GetProperty("log").GetString());
            var data = await Get($"api/episode?log=quickstart/forks/trajectories.forge&n={recorded.GetProperty("ordinal").GetInt32()}");
            var summary = data.GetProperty("episode").GetProperty("summary");
            Assert.Equal(parent.EpisodeId, summary.GetProperty("parentEpisodeId").GetString());
            Assert.Equal(1, summary.GetProperty("forkStep").GetInt32());
            Assert.Equal(ordinal, data.GetProperty("parent").GetProperty("n").GetInt32());
            var firstAction = data.GetProperty("episode").GetProperty("steps")[0].GetProperty("action").GetProperty("content").GetString();
            Assert.Equal(DisplayText.Escape(parent.Steps[0].Action.Content), firstAction);
        }
    }

    [Fact]
    public async Task Fork_PastTheEnd_SaysWhichStepsCanBeForked()
    {
        var ordinal = session.Runs.QuickstartEpisodes.ToList().FindIndex(t => t.EnvironmentId == "support/desk" && t.Termination == Termination.Terminated);
        var steps = session.Runs.QuickstartEpisodes[ordinal].Steps.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/fork?log=quickstart/trajectories.forge&n={ordinal}&step={steps + 3}&agent=scripted");
        request.Headers.Add("X-Forge-Viewer", "1");

        using var response = await session.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"can be forked at steps 0 to {steps - 1} (got {steps + 3})", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    private async Task<JsonElement> Post(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("X-Forge-Viewer", "1");
        using var response = await session.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Actions_WithoutTheViewerHeader_AreRefused()
    {
        using var response = await session.Http.PostAsync("api/rerun?log=quickstart/trajectories.forge&n=0", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Requests_ToAnotherHostName_AreRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/runs");
        request.Headers.Host = "attacker.example";

        using var response = await session.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Equal("127.0.0.1", session.Server.Url.Host);
    }

    [Fact]
    public async Task Training_ReadsMetricsAndListsCheckpoints()
    {
        var t = await Get("api/training?run=quickstart/train");

        var csv = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "metrics.csv"));
        Assert.Equal(csv[0].Split(','), t.GetProperty("metrics").GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(csv.Length - 1, t.GetProperty("metrics").GetProperty("rows").GetArrayLength());
        Assert.Equal(["final", "update-00010"], t.GetProperty("checkpoints").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(1002, t.GetProperty("checkpoints")[0].GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task Page_AndAssets_AreServedFromTheAssembly()
    {
        var html = await session.Http.GetStringAsync("");
        Assert.Contains("/assets/app.js", html);
        using var script = await session.Http.GetAsync("assets/app.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await session.Http.GetAsync("assets/secrets.txt")).StatusCode);
    }

    internal static (int A, int B) FirstPairThatDiffers(IReadOnlyList<Trajectory> episodes)
    {
        foreach (var group in episodes.Select((t, i) => (t, i)).Where(x => x.t.EnvironmentId == "support/desk").GroupBy(x => x.t.TaskId))
        {
            var members = group.ToList();
            for (var j = 1; j < members.Count; j++)
                if (members[0].t.Steps.Zip(members[j].t.Steps).Any(p => p.First.Action.Content != p.Second.Action.Content
                        || !p.First.Action.ToolCalls.SequenceEqual(p.Second.Action.ToolCalls)))
                    return (members[0].i, members[j].i);
        }
        throw new InvalidOperationException("no two support/desk episodes of one task differ in their actions");
    }
}
