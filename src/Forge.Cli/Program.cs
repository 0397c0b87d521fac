using Forge.Cli;
using Forge.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("forge");
    config.PropagateExceptions();

    // ── environments: list, check, new ──────────────────────────────────────────

    // ── run, bench host ───────────────────────────────────────────────────────────

    // ── inspect, replay, export ────────────────────────────────────────────────────

    // ── sandbox run, sandbox doctor, bench sandbox ───────────────────────────────────

    // ── train, eval, bench train ────────────────────────────────────────────────────

    config.AddCommand<VersionCommand>("version").WithDescription("Print Forge's version.");
});
return await CliErrors.RunAsync(() => app.RunAsync(args));
