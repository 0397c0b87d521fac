using System.Diagnostics;

namespace Forge.Cli.Tests.Scripts;

/// <summary>Stand-in programs for the scripts' tests (a fake <c>nvidia-smi</c>, <c>dotnet</c>, …).</summary>
internal static class FakeExecutable
{
    /// <summary>
    /// Writes <paramref name="script"/> (with its <c>#!</c> line) to <paramref name="path"/>, executable. Written by a child
    /// shell, not by this process: a file this process had open for writing can be inherited by a process another test forks
    /// at that moment, and executing it then fails with "Text file busy" (ETXTBSY).
    /// </summary>
    public static void Write(string path, string script)
    {
        using var writer = Process.Start(new ProcessStartInfo("sh", ["-c", "cat > \"$1\" && chmod 700 \"$1\"", "sh", path]) { RedirectStandardInput = true })!;
        writer.StandardInput.Write(script);
        writer.StandardInput.Close();
        writer.WaitForExit();
        if (writer.ExitCode != 0) throw new IOException($"could not write {path} (exit {writer.ExitCode}).");
    }
}
