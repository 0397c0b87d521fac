using Spectre.Console;
using Spectre.Console.Cli;

namespace Forge.Cli;

/// <summary>
/// Turns exceptions that describe bad input (unknown environment, broken scenario, unreadable file) into a one-line
/// error on stderr and exit code 2, and anything unexpected into exit code 70 with the full exception.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code for bad input or a run that could not start.</summary>
    public const int BadInput = 2;

    public static async Task<int> RunAsync(Func<Task<int>> run, IReadOnlyList<string>? args = null)
    {
        try
        {
            return await run();
        }
        catch (CommandParseException e)
        {
            Console.Error.WriteLine($"forge: {UnknownOptions.Explain(e.Message, args ?? [])}");
            return BadInput;
        }
        catch (CommandRuntimeException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is FormatException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or InvalidDataException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return BadInput;
        }
        catch (Forge.Core.SandboxException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return BadInput;
        }
        catch (Forge.Cluster.Dispatch.ClusterUnavailableException e)
        {
            Console.Error.WriteLine($"forge: {e.Message}");
            return BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("forge: cancelled.");
            return 130;
        }
        catch (Exception e)
        {
            AnsiConsole.WriteException(e);
            return 70;
        }
    }
}

