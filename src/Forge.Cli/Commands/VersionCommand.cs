using Spectre.Console.Cli;

namespace Forge.Cli.Commands;

/// <summary><c>forge version</c>: prints the version of the CLI and of the trajectory format.</summary>
internal sealed class VersionCommand : Command
{
    public override int Execute(CommandContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine(typeof(VersionCommand).Assembly.GetName().Version);
        return 0;
    }
}
