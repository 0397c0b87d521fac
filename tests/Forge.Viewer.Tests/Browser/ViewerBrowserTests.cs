using Microsoft.Playwright;

namespace Forge.Viewer.Tests.Browser;

/// <summary>
/// The viewer in headless chromium: each page loads and does what a person does with it — filter, open an episode, compare
/// two, rerun one, read the training curves — checked against the logs read independently. With
/// <c>FORGE_VIEWER_SCREENSHOTS=DIR</c> each test also saves its page as a PNG there (the pictures in docs/viewer.md).
/// </summary>
[Collection("viewer")]
public sealed class ViewerBrowserTests(ViewerSession session)
{
    private const string Log = "quickstart/trajectories.forge";

    private async Task<IPage> Open(string hash)
    {
        var page = await session.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(new Uri(session.Server.Url, hash).ToString());
        await page.WaitForSelectorAsync("main[data-page]");
        Assert.Empty(errors);
        return page;
    }

    private static async Task Screenshot(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("FORGE_VIEWER_SCREENSHOTS") is not { Length: > 0 } folder) return;
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"viewer-{name}.png"), FullPage = false });
    }

    private static string Hash(string page, string query) => $"#/{page}?{query}";

    [SkippableFact]
    public async Task RunsPage_ShowsEveryRunWithItsEnvironments()
    {
        var page = await Open("");
        await page.WaitForSelectorAsync("[data-testid=run]");

        Assert.Equal(["damaged", "escapes", "newer", "quickstart", "quickstart/train"],
            (await page.Locator("[data-testid=run]").EvaluateAllAsync<string[]>("nodes => nodes.map(n => n.dataset.run)")).Where(id => id is not ("quickstart/reruns" or "quickstart/forks")));
        var quickstart = page.Locator("[data-run=quickstart]");
        var environments = session.Runs.QuickstartEpisodes.Select(t => t.EnvironmentId).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(environments, await quickstart.Locator("[data-testid=env-table] tbody tr td:first-child").AllInnerTextsAsync());
        Assert.Contains("written by a newer Forge (format 9", await page.Locator("[data-run=newer] [data-testid=log-error]").InnerTextAsync());
        Assert.Contains("2 damaged stretch(es)", await page.Locator("[data-run=damaged] [data-testid=damaged]").InnerTextAsync());
        await Screenshot(page, "runs");
        await page.Context.CloseAsync();
    }

    [SkippableFact]
    public async Task EpisodesPage_FilterThenOpenAnEpisode()
    {
        var page = await Open(Hash("episodes", $"log={Log}"));
        await page.WaitForSelectorAsync("[data-testid=episode-row]");
        Assert.Contains($"{session.Runs.QuickstartEpisodes.Count} of {session.Runs.QuickstartEpisodes.Count} episodes", await page.Locator("[data-testid=matched]").InnerTextAsync());

        await page.SelectOptionAsync("[data-testid=filter-env]", "support/desk");
        await page.SelectOptionAsync("[data-testid=filter-success]", "no");
        await page.ClickAsync("[data-testid=apply]");
        var expected = session.Runs.QuickstartEpisodes.Where(t => t.EnvironmentId == "support/desk" && !t.Success).ToList();
        await page.WaitForSelectorAsync($"[data-testid=matched]:has-text('{expected.Count} of')");
        var rows = page.Locator("[data-testid=episode-row]");
        Assert.Equal(Math.Min(expected.Count, 50), await rows.CountAsync());
        Assert.Equal(expected.Take(50).Select(t => t.EpisodeId), await page.Locator("[data-testid=episode-link]").AllInnerTextsAsync());
        await Screenshot(page, "episodes");

        await page.Locator("[data-testid=episode-link]").First.ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=episode-header]");
        var episode = expected[0];
        Assert.Equal(episode.Steps.Count, await page.Locator("[data-testid=step]").CountAsync());
        Assert.Equal(episode.Steps.Sum(s => s.Action.ToolCalls.Count), await page.Locator("[data-testid=tool-call]").CountAsync());
        Assert.Equal(episode.Steps.Sum(s => s.Observation.Count(o => o.IsError)), await page.Locator("[data-testid=tool-error]").CountAsync());
        Assert.Equal(episode.Breakdown!.Scores.Count + 1, await page.Locator("[data-testid=breakdown] tbody tr").CountAsync());
        Assert.Equal(0, await page.EvaluateAsync<int>("Array.from(document.querySelector('main').childNodes).filter(n => n.nodeType === Node.TEXT_NODE).length"));
        await Screenshot(page, "episode");
        await page.Context.CloseAsync();
    }

    [SkippableFact]
    public async Task Compare_TwoSelectedEpisodes_HighlightsTheFirstDivergence()
    {
        var (a, b) = ViewerApiTests.FirstPairThatDiffers(session.Runs.QuickstartEpisodes);
        var task = session.Runs.QuickstartEpisodes[a].TaskId;
        var page = await Open(Hash("episodes", $"log={Log}&env=support/desk&task={Uri.EscapeDataString(task)}"));
        await page.WaitForSelectorAsync("[data-testid=episode-row]");

        await page.Locator($"input[aria-label='select episode {a}']").CheckAsync();
        await page.Locator($"input[aria-label='select episode {b}']").CheckAsync();
        await page.ClickAsync("[data-testid=compare]");
        await page.WaitForSelectorAsync("[data-testid=divergence]");

        var step = Enumerable.Range(0, 100).First(i => session.Runs.QuickstartEpisodes[a].Steps[i].Action != session.Runs.QuickstartEpisodes[b].Steps[i].Action);
        Assert.Contains($"First divergence at step {step}: action", await page.Locator("[data-testid=divergence]").InnerTextAsync());
        Assert.Equal($"{step}", await page.Locator("[data-testid=side-left] .step.diverged").GetAttributeAsync("data-step"));
        Assert.Equal($"{step}", await page.Locator("[data-testid=side-right] .step.diverged").GetAttributeAsync("data-step"));
        await Screenshot(page, "compare");
        await page.Context.CloseAsync();
    }

    [SkippableFact]
    public async Task EpisodePage_Rerun_ReportsTheEpisodeReproduced()
    {
        var ordinal = session.Runs.QuickstartEpisodes.ToList().FindIndex(t => t.EnvironmentId == "support/desk" && t.ToolErrorCount > 0);
        var page = await Open(Hash("episode", $"log={Log}&n={ordinal}"));
        await page.WaitForSelectorAsync("[data-testid=episode-header]");

        await page.ClickAsync("[data-testid=rerun]");

        var banner = await page.WaitForSelectorAsync("[data-testid=rerun-ok]");
        Assert.Contains($"{session.Runs.QuickstartEpisodes[ordinal].Steps.Count} step(s) matched", await banner!.InnerTextAsync());
        Assert.Contains("#/episode?log=quickstart%2Freruns%2Ftrajectories.forge", page.Url);      // the rerun opened as an episode of its own
        Assert.Equal(session.Runs.QuickstartEpisodes[ordinal].Steps.Count, await page.Locator("[data-testid=step]").CountAsync());
        await page.Context.CloseAsync();
    }

    [SkippableFact]
    public async Task EpisodePage_Fork_OpensTheFirstBranchWithItsParent()
    {
        var ordinal = session.Runs.QuickstartEpisodes.ToList().FindIndex(t => t.EnvironmentId == "support/desk" && t.Steps.Count > 2);
        var parent = session.Runs.QuickstartEpisodes[ordinal];
        var page = await Open(Hash("episode", $"log={Log}&n={ordinal}"));
        await page.WaitForSelectorAsync("[data-testid=episode-header]");

        await page.SelectOptionAsync("[data-testid=fork-step]", "1");
        await page.FillAsync("[data-testid=fork-agent]", "noisy:0.5");
        await page.FillAsync("[data-testid=fork-samples]", "2");
        await page.ClickAsync("[data-testid=fork]");

        var done = await page.WaitForSelectorAsync("[data-testid=fork-done]");
        Assert.Contains($"Forked {parent.EpisodeId} after 1 step(s) with noisy", await done!.InnerTextAsync());
        Assert.Equal(2, await page.Locator("[data-testid=fork-branches] li").CountAsync());
        Assert.Contains($"Forked from {parent.EpisodeId} after its first 1 step(s)", await page.Locator("[data-testid=parent]").InnerTextAsync());
        Assert.Contains("#/episode?log=quickstart%2Fforks%2Ftrajectories.forge", page.Url);
        await Screenshot(page, "fork");

        await page.Locator("[data-testid=parent] a", new PageLocatorOptions { HasText = "compare with the parent" }).ClickAsync();
        await page.WaitForSelectorAsync("[data-testid=side-left]");
        Assert.Equal(parent.EpisodeId, (await page.Locator("[data-testid=side-left] h2 a").InnerTextAsync()).Trim());
        await page.Context.CloseAsync();
    }

    [SkippableFact]
    public async Task EpisodePage_EscapedTextAndTokenLogProbs()
    {
        var page = await Open(Hash("episode", "log=escapes/trajectories.forge&n=0"));
        await page.WaitForSelectorAsync("[data-testid=tokens]");

        var text = await page.Locator("main").InnerTextAsync();
        Assert.Contains("ok \\u001b[31mred\\u001b[0m \\u0000", text);
        Assert.DoesNotContain('\u001b', text);
        Assert.Equal(1, await page.Locator("[data-testid=escaped]").CountAsync());
        var colours = await page.Locator("[data-testid=tokens] .tok").EvaluateAllAsync<string[]>("nodes => nodes.map(n => getComputedStyle(n).backgroundColor)");
        Assert.Equal(3, colours.Distinct().Count());                   // log-probs -0.1, -2.5, -9: three different colours
        await Screenshot(page, "tokens");
        await page.Context.CloseAsync();
    }

    [SkippableFact]
    public async Task TrainingPage_DrawsTheCurvesAndListsCheckpoints()
    {
        var page = await Open(Hash("training", "run=quickstart/train"));
        await page.WaitForSelectorAsync("[data-testid=charts]");

        Assert.Equal(["success rate", "reward", "KL", "entropy", "clip fraction"],
            await page.Locator("[data-testid=chart]").EvaluateAllAsync<string[]>("nodes => nodes.map(n => n.dataset.metric)"));
        var rl = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "metrics.csv")).Count(l => l.StartsWith("rl,", StringComparison.Ordinal));
        var points = await page.Locator("[data-metric=entropy] polyline").GetAttributeAsync("points");
        Assert.Equal(rl, points!.Split(' ').Length);
        Assert.Equal(["final", "update-00010"], await page.Locator("[data-testid=checkpoints] tbody td:first-child").AllInnerTextsAsync());
        await Screenshot(page, "training");
        await page.Context.CloseAsync();
    }

    [SkippableFact]
    public async Task DamagedLog_ListsTheDamageAndTheRestOpens()
    {
        var page = await Open(Hash("episodes", "log=damaged/trajectories.forge"));
        await page.WaitForSelectorAsync("[data-testid=damaged]");

        Assert.Equal(2, await page.Locator("[data-testid=damaged] li").CountAsync());
        Assert.Equal(["ep-0002", "ep-0003"], await page.Locator("[data-testid=episode-link]").AllInnerTextsAsync());
        await page.Context.CloseAsync();
    }
}
