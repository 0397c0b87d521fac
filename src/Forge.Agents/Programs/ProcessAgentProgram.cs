using System.Diagnostics;
using System.Text;

namespace Forge.Agents.Programs;

/// <summary>An agent program that failed: its boundary is the agent; <see cref="Type"/> names what went wrong.</summary>
public sealed class AgentProgramException(string type, string message) : Exception(message)
{
    /// <summary><c>program_failed</c> (non-zero exit), <c>deadline_exceeded</c>, <c>output_too_large</c> or <c>start_failed</c>.</summary>
    public string Type { get; } = type;
}

/// <summary>
/// An agent program in any language, started once per episode: <c>OPENAI_BASE_URL</c> (the episode's path),
/// <c>OPENAI_API_KEY</c> and <c>OPENAI_MODEL</c> in its environment, the task as JSON on stdin; what it prints on stdout is
/// its output. A deadline and an output cap apply; past either, its whole process tree is killed. Run this way it is a
/// plain child process; <see cref="RunInSandboxAsync"/> runs it in a sandbox instead.
/// </summary>
/// <param name="Command">The program and its arguments, e.g. <c>["python3", "agent.py"]</c>.</param>
/// <param name="WorkingDirectory">Where it runs (null = the current directory).</param>
/// <param name="Deadline">How long an episode may take.</param>
/// <param name="MaxOutputBytes">Most bytes read from its stdout.</param>
public sealed partial record ProcessAgentProgram(IReadOnlyList<string> Command, string? WorkingDirectory, TimeSpan Deadline, int MaxOutputBytes = 1 << 20)
{
    /// <summary>Runs one episode; returns what the program printed (trimmed).</summary>
    public async Task<string> RunAsync(string taskJson, Uri baseUrl, string model, string apiKey, CancellationToken cancellationToken)
    {
        if (Command.Count == 0) throw new ArgumentException("agent_program.command: give the program and its arguments.");
        var start = new ProcessStartInfo(Command[0])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? Directory.GetCurrentDirectory(),
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in Command.Skip(1)) start.ArgumentList.Add(argument);
        start.Environment["OPENAI_BASE_URL"] = baseUrl.ToString();
        start.Environment["OPENAI_API_KEY"] = apiKey;
        start.Environment["OPENAI_MODEL"] = model;
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new AgentProgramException("start_failed", $"agent program {Command[0]} could not start: {e.Message}");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            try
            {
                await process.StandardInput.WriteAsync(taskJson.AsMemory(), deadline.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited or closed its input without reading the task; its exit code tells the rest.
            }
            var stdout = ReadCappedAsync(process.StandardOutput, deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            var output = await stdout;
            if (process.ExitCode != 0)
                throw new AgentProgramException("program_failed", $"agent program exited with code {process.ExitCode}: {Tail(await stderr)}");
            return output.Trim();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentProgramException("deadline_exceeded", $"agent program ran past its deadline of {Deadline.TotalSeconds:0.#} s; its process tree was killed.");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private async Task<string> ReadCappedAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        var bytes = 0L;
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            text.Append(buffer, 0, read);
            bytes += Encoding.UTF8.GetByteCount(buffer, 0, read);
            if (bytes > MaxOutputBytes)
                throw new AgentProgramException("output_too_large", $"agent program printed more than {MaxOutputBytes} bytes; its process tree was killed.");
        }
        return text.ToString();
    }

    private static string Tail(string text) => text.Length <= 2000 ? text.Trim() : "…" + text[^2000..].Trim();
}
