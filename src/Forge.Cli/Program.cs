using Forge.Cli;
using Forge.Cli.Commands;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("forge");
    config.PropagateExceptions();

    // ── environments: list, check, new ──────────────────────────────────────────
    config.AddBranch("envs", envs =>
    {
        envs.SetDescription("List, check and scaffold environments (environments.json).");
        envs.AddCommand<Forge.Cli.Commands.Envs.EnvsListCommand>("list").WithDescription("List the registered environments: version, tasks, tools, limits.");
        envs.AddCommand<Forge.Cli.Commands.Envs.EnvsCheckCommand>("check").WithDescription("Check that an environment keeps the contract (exit 1 when a check fails).");
        envs.AddCommand<Forge.Cli.Commands.Envs.EnvsNewCommand>("new").WithDescription("Scaffold a new environment with tasks, a solver and a registry entry.");
    });

    // ── run, bench host ───────────────────────────────────────────────────────────

    // ── inspect, replay, export ────────────────────────────────────────────────────

    // ── sandbox run, sandbox doctor, bench sandbox ───────────────────────────────────

    // ── train, eval, bench train ────────────────────────────────────────────────────

    config.AddCommand<VersionCommand>("version").WithDescription("Print Forge's version.");
});
return await CliErrors.RunAsync(() => app.RunAsync(args));
