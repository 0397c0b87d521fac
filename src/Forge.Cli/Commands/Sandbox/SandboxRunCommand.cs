using System.ComponentModel;
using Forge.Cli.Commands.Run;
using Forge.Core;
using Forge.Sandbox;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Sandbox;

/// <summary><c>forge sandbox run [options] -- CMD ARGS…</c>: runs one command in a fresh sandbox and prints what happened.</summary>
internal sealed class SandboxRunCommand : AsyncCommand<SandboxRunCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--backend <NAME>")]
        [Description("Sandbox backend: local (default) or docker.")]
        public string Backend { get; init; } = "local";

        [CommandOption("--timeout <SEC>")]
        [Description("Wall-clock deadline in seconds; the whole process tree dies when it passes. Default 10.")]
        public double Timeout { get; init; } = 10;

        [CommandOption("--memory <MB>")]
        [Description("Memory limit in MiB. Default 256.")]
        public int Memory { get; init; } = SandboxOptions.Default.MemoryMb;

        [CommandOption("--json")]
        [Description("Print the result as JSON (exit_code, stdout, stderr, duration_ms, limit, truncated).")]
        public bool Json { get; init; }

        [CommandOption("--unsafe-no-isolation")]
        [Description("Run even where the machine cannot isolate the command (no namespaces). Only for code you trust.")]
        public bool UnsafeNoIsolation { get; init; }

        public override Spectre.Console.ValidationResult Validate() =>
            Timeout is <= 0 or > 86_400 ? Spectre.Console.ValidationResult.Error("--timeout must be between 0 and 86400 seconds")
            : Memory < 16 ? Spectre.Console.ValidationResult.Error("--memory must be at least 16 (MiB)")
            : Spectre.Console.ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var command = context.Remaining.Raw;
        if (command.Count == 0)
            throw new ArgumentException("forge sandbox run: name the command after --, for example: forge sandbox run -- python3 -c 'print(1)'");
        var options = new SandboxOptions
        {
            Backend = settings.Backend,
            MemoryMb = settings.Memory,
            TimeoutSeconds = (int)Math.Ceiling(settings.Timeout),
            AllowUnisolated = settings.UnsafeNoIsolation,
            PoolSize = 1,
        };
        var stdin = Console.IsInputRedirected ? await Console.In.ReadToEndAsync(cancellationToken) : null;
        try
        {
            await using var provider = SandboxProviders.Create(options);
            if (!provider.Isolation.Isolated) Console.Error.WriteLine($"forge: warning: {provider.Isolation.Summary}");
            await using var sandbox = await provider.AcquireAsync(cancellationToken);
            var result = await sandbox.RunAsync(new ExecRequest(command) { Timeout = TimeSpan.FromSeconds(settings.Timeout), Stdin = stdin }, cancellationToken);
            if (settings.Json)
            {
                JsonOutput.Write(new
                {
                    backend = provider.Backend,
                    isolated = provider.Isolation.Isolated,
                    exit_code = result.ExitCode,
                    stdout = result.Stdout,
                    stderr = result.Stderr,
                    duration_ms = Math.Round(result.Duration.TotalMilliseconds, 2),
                    limit = result.Limit,
                    truncated = result.OutputTruncated,
                });
            }
            else
            {
                Console.Out.Write(result.Stdout);
                Console.Error.Write(result.Stderr);
                var limit = result.Limit == SandboxLimit.None ? "" : $", stopped by the {result.Limit.ToString().ToLowerInvariant()} limit";
                var truncated = result.OutputTruncated ? ", output truncated" : "";
                Console.Error.WriteLine($"forge: exit {result.ExitCode} after {result.Duration.TotalMilliseconds:0.#} ms in the {provider.Backend} sandbox{limit}{truncated}");
            }
            return result.ExitCode is >= 0 and <= 255 ? result.ExitCode : 1;
        }
        catch (SandboxException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return CliErrors.BadInput;
        }
    }
}
