using Forge.Host.Recording;
using Spectre.Console;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>Reads a trajectory file for the commands and warns, on stderr, about every stretch that had to be skipped.</summary>
internal static class TrajectoryFileLoader
{
    public static (TrajectoryFile File, IReadOnlyList<string> Warnings) Load(string path, TextWriter stderr)
    {
        var file = TrajectoryReader.Read(path);
        var warnings = file.Corrupt.Select(c => $"{path}: {c}").ToList();
        foreach (var warning in warnings) stderr.WriteLine($"forge: warning: {warning}");
        if (warnings.Count > 0)
            stderr.WriteLine($"forge: warning: {path}: read {file.Trajectories.Count} complete trajectories; skipped {warnings.Count} damaged stretch(es)");
        return (file, warnings);
    }

    /// <summary>A Spectre console writing to <paramref name="writer"/>: colours and the terminal's width when it is the terminal, plain text otherwise (160 columns when redirected).</summary>
    public static IAnsiConsole ConsoleFor(TextWriter writer, int? width = null)
    {
        var terminal = ReferenceEquals(writer, Console.Out);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        // Redirected output has no width; lines as wide as the content read better in a file or a pager than 80-column wrapping.
        if (width is { } w) console.Profile.Width = w;
        else if (terminal && Console.IsOutputRedirected) console.Profile.Width = 160;
        return console;
    }
}
