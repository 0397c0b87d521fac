using System.ComponentModel;
using System.Runtime.InteropServices;
using Forge.Cli.Commands.Run;
using Forge.Cli.Commands.Sandbox;
using Forge.Sandbox;
using Forge.Training.Devices;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli.Commands.Doctor;

/// <summary>
/// <c>forge doctor [--json]</c>: what this machine gives Forge — the device TorchSharp uses, the libtorch loaded (path,
/// version, whether it is the one TorchSharp expects), CUDA and bf16 support, the .NET host, and the sandbox backends that
/// work here. Exit 0 when libtorch loaded, 1 when it did not.
/// </summary>
internal sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--json")]
        [Description("Print the diagnosis as one JSON object (schema in docs/torch.md).")]
        public bool Json { get; init; }
    }

    /// <summary>The version of the <c>--json</c> object's layout.</summary>
    public const int SchemaVersion = 1;

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        TorchDiagnosis? torch = null;
        string? torchError = null;
        try
        {
            torch = TorchDiagnosis.Probe();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or ExternalException)
        {
            torchError = (e.InnerException ?? e).Message.Split('\n')[0];
        }
        var sandboxes = SandboxProviders.Diagnose();

        if (settings.Json)
            JsonOutput.Write(new
            {
                schema_version = SchemaVersion,
                torch = new
                {
                    error = torchError,
                    device = torch?.Device,
                    cuda = new { available = torch?.CudaAvailable ?? false, devices = torch?.CudaDevices ?? [] },
                    bf16 = torch?.Bf16 ?? false,
                    threads = torch?.Threads,
                    libtorch = torch?.Libtorch,
                },
                dotnet = torch?.Host,
                sandboxes = SandboxDoctorCommand.Json(sandboxes),
            });
        else
        {
            Print(torch, torchError);
            SandboxDoctorCommand.Print(sandboxes);
        }
        return torch is null ? 1 : 0;
    }

    private static void Print(TorchDiagnosis? torch, string? error)
    {
        if (torch is null)
        {
            AnsiConsole.MarkupLine($"[bold]torch[/]: [red]libtorch did not load[/]: {Markup.Escape(error ?? "")}");
            return;
        }
        var gpus = torch.CudaAvailable ? $"CUDA: {torch.CudaDevices.Count} device(s): {string.Join(", ", torch.CudaDevices)}" : "CUDA: not available";
        AnsiConsole.MarkupLine($"[bold]torch[/]: device [bold]{torch.Device}[/] · {Markup.Escape(gpus)} · bf16 {(torch.Bf16 ? "yes" : "no")} · {torch.Threads} CPU threads");
        var lib = torch.Libtorch;
        var match = lib.Matches ? "[green]matches[/]" : "[red]does not match[/]";
        AnsiConsole.MarkupLine($"  libtorch {Markup.Escape(lib.Version ?? "(version unknown)")} ({lib.Source}) at {Markup.Escape(lib.Path ?? "(not found)")}: {match} TorchSharp's {lib.Expected}");
        var host = torch.Host;
        var kind = host.Patched ? $"patched copy using the private loader {host.Loader}" : "system host";
        AnsiConsole.MarkupLine($"[bold]dotnet[/]: {Markup.Escape(host.Path ?? "?")} ({Markup.Escape(kind)}), .NET {host.Runtime}, libstdc++ {Markup.Escape(host.Libstdcxx ?? "?")}");
    }
}
