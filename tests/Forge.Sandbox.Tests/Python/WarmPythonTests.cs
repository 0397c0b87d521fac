using System.Diagnostics;
using Forge.Sandbox.Python;

namespace Forge.Sandbox.Tests.Python;

/// <summary>The warm interpreter's protocol and recovery, with the driver run as a plain host process (no sandbox needed).</summary>
public sealed class WarmPythonTests
{
    private const string Hello = "import json, os, struct, sys, time\nbody = json.dumps({'ready': True}).encode()\nos.write(1, struct.pack('>I', len(body)) + body)\n";

    private static WarmPython Driver(params string[] command) =>
        new(_ => Task.FromResult<ISandboxProcess>(HostProcess.Start(command.Length == 0 ? WarmPython.Command : command)));

    [Fact]
    public async Task RunAsync_Snippets_GetFreshGlobalsAndOneDriver()
    {
        await using var python = Driver();
        var first = await python.RunAsync(new PythonRequest("x = 1\nimport sys\nsys.modules['json'] = None\nprint(x)"));
        var second = await python.RunAsync(new PythonRequest("import json\nprint('x' in globals(), json.dumps(2))"));
        Assert.Equal(("1\n", "False 2\n"), (first.Stdout, second.Stdout));
        Assert.Equal(1, python.Starts);
    }

    [Fact]
    public async Task RunAsync_DriverKilledByTheSnippet_IsRestartedForTheNextOne()
    {
        await using var python = Driver();
        var killed = await python.RunAsync(new PythonRequest("import os\nos.kill(os.getppid(), 9)"));
        Assert.False(killed.Succeeded);
        Assert.Contains("the next snippet starts a new one", killed.Stderr);
        var next = await python.RunAsync(new PythonRequest("print('back')"));
        Assert.Equal("back\n", next.Stdout);
        Assert.Equal(2, python.Starts);
    }

    [Fact]
    public async Task RunAsync_DriverThatStopsAnswering_IsKilledAtTheDeadlineAndReplaced()
    {
        await using var python = Driver("python3", "-c", Hello + "time.sleep(600)");
        await python.StartAsync();   // the clock times the snippet, not the interpreter's start (slow on a loaded machine)
        var clock = Stopwatch.StartNew();
        var hung = await python.RunAsync(new PythonRequest("print(1)") { Timeout = TimeSpan.FromMilliseconds(200) });
        Assert.Equal(SandboxLimit.Deadline, hung.Limit);
        // Ended at its deadline and grace, not after the driver's ten minutes (the margin is for a loaded machine).
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), WarmPython.Grace + TimeSpan.FromSeconds(15));
        await python.RunAsync(new PythonRequest("print(1)") { Timeout = TimeSpan.FromMilliseconds(200) });
        Assert.Equal(2, python.Starts);
    }

    [Fact]
    public async Task StartAsync_DriverThatNeverSaysReady_ThrowsSandboxException()
    {
        await using var python = Driver("python3", "-c", "import sys; sys.stderr.write('no python here'); sys.exit(4)");
        var e = await Assert.ThrowsAsync<SandboxException>(() => python.StartAsync());
        Assert.Contains("no python here", e.Message);
    }

    [Fact]
    public async Task RunAsync_Deadline_IsEnforcedByTheDriverWithoutARestart()
    {
        await using var python = Driver();
        var loop = await python.RunAsync(new PythonRequest("import subprocess\nsubprocess.Popen(['sleep', '60'])\nwhile True: pass") { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(SandboxLimit.Deadline, loop.Limit);
        Assert.Equal("ok\n", (await python.RunAsync(new PythonRequest("print('ok')"))).Stdout);
        Assert.Equal(1, python.Starts);
    }

    [Fact]
    public async Task DisposeAsync_DuringASnippet_EndsItWithOperationCanceled()
    {
        var python = Driver();
        await python.StartAsync();
        var running = python.RunAsync(new PythonRequest("import time\ntime.sleep(30)"));
        await Task.Delay(200);
        await python.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => python.RunAsync(new PythonRequest("print(1)")));
    }

    /// <summary>A process on the host standing in for one started in a sandbox.</summary>
    private sealed class HostProcess : ISandboxProcess
    {
        private readonly Process _process;

        private HostProcess(Process process)
        {
            _process = process;
            Exited = WatchAsync();
        }

        public static HostProcess Start(IReadOnlyList<string> command)
        {
            var info = new ProcessStartInfo(command[0] == "python3" ? "/usr/bin/python3" : command[0])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var arg in command.Skip(1)) info.ArgumentList.Add(arg);
            return new HostProcess(Process.Start(info)!);
        }

        public Stream StandardInput => _process.StandardInput.BaseStream;

        public Stream StandardOutput => _process.StandardOutput.BaseStream;

        public Task<ExecResult> Exited { get; }

        private async Task<ExecResult> WatchAsync()
        {
            var stderr = _process.StandardError.ReadToEndAsync();
            await _process.WaitForExitAsync();
            return new ExecResult(_process.ExitCode, "", await stderr, TimeSpan.Zero, SandboxLimit.None);
        }

        public async Task KillAsync()
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await Exited;
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            _process.Dispose();
        }
    }
}
