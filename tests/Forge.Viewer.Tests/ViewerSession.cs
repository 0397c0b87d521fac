using Forge.Agents.Scripted;
using Forge.Core;
using Forge.Host.Registry;
using Microsoft.Playwright;

namespace Forge.Viewer.Tests;

/// <summary>
/// One viewer over <see cref="ViewerRuns"/> and one headless chromium for every test of the "viewer" collection. The browser is
/// the system's (<c>FORGE_CHROMIUM</c>, else <c>chromium</c> on PATH; scripts/install-browser-test-deps installs it). Without
/// one, browser tests skip saying why, except on CI (<c>CI=true</c>), where they fail.
/// </summary>
public sealed class ViewerSession : IAsyncLifetime
{
    public ViewerRuns Runs { get; } = new();

    public ViewerServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IBrowser? Browser { get; private set; }

    /// <summary>Why there is no browser, when there is none.</summary>
    public string? NoBrowser { get; private set; }

    private IPlaywright? _playwright;

    public async Task InitializeAsync()
    {
        await Runs.InitializeAsync();
        Server = await ViewerServer.StartAsync(new ViewerOptions { Path = Runs.Root, RegistryPath = Runs.RegistryPath, ForkAgents = ForkAgent });
        Http = new HttpClient { BaseAddress = Server.Url };

        var chromium = FindChromium();
        if (chromium is null)
        {
            NoBrowser = "no chromium found (set FORGE_CHROMIUM or run scripts/install-browser-test-deps)";
            return;
        }
        try
        {
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
        }
        catch (Exception e) when (e is PlaywrightException or InvalidOperationException or IOException)
        {
            NoBrowser = $"chromium at {chromium} could not be started: {e.Message}";
        }
    }

    // The fork agents the tests use: an environment's scripted solver, alone or behind the noisy agent ("noisy:RATE").
    private static IAgent ForkAgent(string spec, RegisteredEnvironment environment, int seed) => spec.Split(':') switch
    {
        ["scripted"] => environment.CreateSolver()!,
        ["noisy", var rate] => new NoisyAgent(environment.CreateSolver()!, double.Parse(rate, System.Globalization.CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"the viewer tests fork with scripted or noisy:RATE, not {spec}"),
    };

    /// <summary>Skips (or, on CI, fails) a test that needs the browser when there is none.</summary>
    public IBrowser RequireBrowser()
    {
        if (Browser is not null) return Browser;
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"CI needs the viewer's browser tests to run: {NoBrowser}");
        Skip.If(true, NoBrowser);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>A new page (its own context) on the viewer.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await RequireBrowser().NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        Http?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        await Runs.DisposeAsync();
    }

    private static string? FindChromium()
    {
        if (Environment.GetEnvironmentVariable("FORGE_CHROMIUM") is { Length: > 0 } configured) return File.Exists(configured) ? configured : null;
        foreach (var name in new[] { "chromium", "chromium-browser" })
            foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(folder, name))) return Path.Combine(folder, name);
        return null;
    }
}

/// <summary>The tests that share <see cref="ViewerSession"/>.</summary>
[CollectionDefinition("viewer")]
public sealed class ViewerCollection : ICollectionFixture<ViewerSession>;
