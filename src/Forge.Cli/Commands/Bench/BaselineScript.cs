using System.ComponentModel;
using System.Diagnostics;

namespace Forge.Cli.Commands.Bench;

/// <summary>A benchmark's baseline written in another language: a script shipped beside forge (<c>baselines/</c>), run by its interpreter.</summary>
internal sealed class BaselineScript(string interpreter, string fileName)
{
    /// <summary>The script, copied next to the forge binary.</summary>
    public string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "baselines", fileName);

    /// <summary>
    /// Runs the script with <paramref name="arguments"/> (and <paramref name="environment"/> added to forge's) and returns
    /// what it printed on stdout; the process is killed when <paramref name="cancellationToken"/> fires.
    /// </summary>
    /// <exception cref="InvalidOperationException">The script or its interpreter is missing, or the script exited with a failure.</exception>
    public async Task<string> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path)) throw new InvalidOperationException($"The baseline {Path} is missing from this build.");
        var start = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"{interpreter} could not be started ({e.Message}); the baseline {Path} needs {interpreter} on the PATH.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"The baseline {Path} exited with {process.ExitCode}: {(await stderr).Trim()}");
            return await stdout;
        }
    }
}
