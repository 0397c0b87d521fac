using Forge.Cli;
using Forge.Cli.Commands;
using Forge.Cli.Commands.Trajectories;
using Spectre.Console.Cli;

// Output that goes to a file or a pipe has no terminal width to fit: tables get the width COLUMNS says, or 200
// columns, instead of wrapping every cell at 80.
if (Console.IsOutputRedirected)
    Spectre.Console.AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0 ? columns : 200;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("forge");
    config.PropagateExceptions();
    config.UseStrictParsing();   // an unknown option is an error (exit 2, with "did you mean"), never silently ignored

    // ── environments: list, check, new ──────────────────────────────────────────
    config.AddBranch("envs", envs =>
    {
        envs.SetDescription("List, check and scaffold environments (environments.json).");
        envs.AddCommand<Forge.Cli.Commands.Envs.EnvsListCommand>("list").WithDescription("List the registered environments: version, tasks, tools, limits.");
        envs.AddCommand<Forge.Cli.Commands.Envs.EnvsCheckCommand>("check").WithDescription("Check that an environment keeps the contract (exit 1 when a check fails).");
        envs.AddCommand<Forge.Cli.Commands.Envs.EnvsNewCommand>("new").WithDescription("Scaffold a new environment with tasks, a solver and a registry entry.");
        envs.AddCommand<Forge.Cli.Commands.Envs.EnvsAddCommand>("add").WithDescription("Register every environment of a project (.csproj, built first) or assembly (.dll) in ./environments.json.");
    });

    // ── run, bench host ───────────────────────────────────────────────────────────
    config.AddCommand<Forge.Cli.Commands.Run.RunCommand>("run").WithDescription("Run a scenario's episodes, record their trajectories and print a summary.");
    // The `bench` branch is shared: other parts add their `bench X` commands inside it.
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Measure Forge against baselines run side by side.");
        bench.AddCommand<Forge.Cli.Commands.Bench.BenchHostCommand>("host").WithDescription("Episode host throughput and per-step overhead against a direct loop.");
        // bench view (viewer): open + filter of a 100,000-episode log against 2 s, a random episode against 5 ms.
        bench.AddCommand<Forge.Cli.Commands.Bench.BenchViewCommand>("view").WithDescription("How fast forge view opens and filters a 100,000-episode log and reads one episode from it.");
        bench.AddCommand<Forge.Cli.Commands.Bench.BenchTokenizerCommand>("tokenizer").WithDescription("Loading a Hugging Face tokenizer, encoding and decoding agent-shaped text, beside @lenml/tokenizers under node.");
        bench.AddCommand<Forge.Cli.Commands.Bench.BenchClusterCommand>("cluster").WithDescription("Episodes/s of a scripted run in this process and on 1, 2, 4 local workers; scaling efficiency and dispatch overhead.");
        bench.AddCommand<Forge.Cli.Commands.Sandbox.BenchSandboxCommand>("sandbox").WithDescription("Sandbox acquire, cold and warm execution latency and coding-episode throughput per backend, beside baselines.");
        // bench train (torch): training/generation throughput of the TorchSharp policy against a bare loop.
        bench.AddCommand<Forge.Cli.Commands.Bench.BenchTrainCommand>("train").WithDescription("Policy training and generation tokens/s at two model sizes against a bare TorchSharp loop.");
        // bench rl (rl): async vs sync rollouts, wall time for the same number of policy updates.
        // bench serve (serve): forge serve's tokens/s and time to first token at several concurrencies, beside the in-process Generator.
        bench.AddCommand<Forge.Cli.Commands.Bench.BenchServeCommand>("serve").WithDescription("forge serve throughput and time to first token at concurrency 1, 8 and 64, beside the in-process Generator.");
        bench.AddCommand<Forge.Cli.Commands.Train.BenchRlCommand>("rl").WithDescription("Wall time of the same policy updates with synchronous and asynchronous rollouts.");
        // bench prefix (rl): generation and training steps on agent-shaped batches, shared prompt prefix run once vs every row's whole prompt.
        bench.AddCommand<Forge.Cli.Commands.Bench.BenchPrefixCommand>("prefix").WithDescription("Generation and training tokens/s on batches whose rows share a prompt prefix: run once vs run in every row.");
    });

    // ── worker, cluster status, bench cluster: runs on many machines (Forge.Cluster) ──────
    config.AddCommand<Forge.Cli.Commands.Cluster.WorkerCommand>("worker").WithDescription("Join a cluster as a worker that runs episodes for drivers: forge worker [[--cluster FILE|localhost]] [[--capacity N]].");
    config.AddBranch("cluster", cluster =>
    {
        cluster.SetDescription("Look at a cluster of workers.");
        cluster.AddCommand<Forge.Cli.Commands.Cluster.ClusterStatusCommand>("status").WithDescription("Workers, capacity, episodes in flight, done and failed, per worker.");
    });

    // ── inspect, replay, export ────────────────────────────────────────────────────
    config.AddCommand<InspectCommand>("inspect").WithDescription("Summarize a trajectory file: rewards per environment, terminations, errors, timings.")
        .WithExample("inspect", "runs/quickstart/trajectories.forge");
    config.AddCommand<ReplayCommand>("replay").WithDescription("Show one recorded episode turn by turn; re-execute it (--rerun), every episode of a log (--rerun-all), or fork it (--fork-at).")
        .WithExample("replay", "runs/quickstart/trajectories.forge", "--episode", "ep-0001");
    // view: the trajectory viewer in the browser (Forge.Viewer).
    config.AddCommand<Forge.Cli.Commands.View.ViewCommand>("view").WithDescription("Browse runs, episodes, comparisons and training curves in the browser (127.0.0.1).")
        .WithExample("view", "runs/quickstart");
    config.AddCommand<ExportCommand>("export").WithDescription("Export trajectories as JSON lines, or a model folder as a Hugging Face folder.")
        .WithExample("export", "runs/quickstart/trajectories.forge", "--jsonl", "--out", "trajectories.jsonl")
        .WithExample("export", "runs/train/checkpoints/latest", "--hf", "exported-model");

    // ── sandbox run, sandbox doctor, bench sandbox ───────────────────────────────────
    config.AddBranch("sandbox", sandbox =>
    {
        sandbox.SetDescription("Run commands in a sandbox and check what isolation this machine gives.");
        sandbox.AddCommand<Forge.Cli.Commands.Sandbox.SandboxRunCommand>("run")
            .WithDescription("Run one command in a fresh sandbox: forge sandbox run [[--backend local|docker]] [[--timeout SEC]] [[--memory MB]] [[--json]] -- CMD ARGS…");
        sandbox.AddCommand<Forge.Cli.Commands.Sandbox.SandboxDoctorCommand>("doctor")
            .WithDescription("Say what isolation each sandbox backend can give on this machine, and why not.");
    });

    // ── train, eval, bench train ────────────────────────────────────────────────────
    Forge.Cli.Commands.Bench.BenchTrainCommand.PipelineStep = Forge.Training.Rl.TrainerBenchmarkStep.Factory;   // bench train times the RL trainer's own step
    config.AddCommand<Forge.Cli.Commands.Train.TrainCommand>("train").WithDescription("Train the local policy on a scenario's environments (GRPO family; checkpoints, metrics, reward curve).");
    config.AddCommand<Forge.Cli.Commands.Eval.EvalCommand>("eval").WithDescription("Score any agent a scenario names (or a recorded run) per environment: success, pass@k, reward ± 95 % interval, components, errors, tokens; --compare another.");

    // ── tokenize ─────────────────────────────────────────────────────────────────────
    config.AddCommand<Forge.Cli.Commands.Model.TokenizeCommand>("tokenize").WithDescription("Print the ids and tokens a model folder's Hugging Face tokenizer gives a text.")
        .WithExample("tokenize", "--model", "models/Qwen3-0.6B", "--json", "\"<|im_start|>user Hello<|im_end|>\"");

    // ── model inspect, model logits ────────────────────────────────────────────────
    config.AddBranch("model", model =>
    {
        model.SetDescription("Inspect Hugging Face model folders and Forge checkpoints.");
        model.AddCommand<Forge.Cli.Commands.Model.ModelInspectCommand>("inspect")
            .WithDescription("Architecture, parameters, dtypes, context, tokenizer, and what Forge will and will not honour.");
        model.AddCommand<Forge.Cli.Commands.Model.ModelLogitsCommand>("logits")
            .WithDescription("Float32 logits at every position of one sequence: forge model logits DIR --ids 1,2,3 [[--json]].");
    });

    // doctor (torch, dotnet host, sandboxes): what this machine gives Forge.
    config.AddCommand<Forge.Cli.Commands.Doctor.DoctorCommand>("doctor").WithDescription("Say which device, libtorch (path, version), CUDA/bf16 support, .NET host and sandbox backends Forge gets here.");

    // serve (serve): the policy behind an OpenAI-compatible endpoint.
    config.AddCommand<Forge.Cli.Commands.Serve.ServeCommand>("serve").WithDescription("Serve a checkpoint or Hugging Face model behind an OpenAI-compatible endpoint (continuous batching).")
        .WithExample("serve", "--checkpoint", "runs/quickstart/train/checkpoints/final");
    // mcp serve: an environment's tools as a Model Context Protocol server (stdio).
    config.AddBranch("mcp", mcp =>
    {
        mcp.SetDescription("Model Context Protocol: serve an environment's tools to any MCP client.");
        mcp.AddCommand<Forge.Cli.Commands.Mcp.McpServeCommand>("serve").WithDescription("Serve an environment's tools over MCP on stdin/stdout: forge mcp serve math/arithmetic [[--task ID]].");
    });

    config.AddCommand<VersionCommand>("version").WithDescription("Print Forge's version.");
});
return await CliErrors.RunAsync(() => app.RunAsync(args), args);
