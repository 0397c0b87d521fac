using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core;
using Forge.Sandbox.Execution;

namespace Forge.Sandbox.Python;

/// <summary>
/// A persistent Python interpreter inside a sandbox, running Forge's driver (<c>forge_driver.py</c>), so that a snippet
/// costs a fork instead of an interpreter start. Each snippet runs in a fresh forked child with fresh globals; the
/// driver itself keeps no state from one snippet to the next. As a stateful session (<see cref="PythonRequest.Session"/>)
/// it runs each snippet in one namespace kept from call to call instead, like a notebook kernel. When the driver dies
/// (the code killed it) or stops answering past a deadline, it is killed and the next call starts a new one (a session
/// starts empty again). Calls are served one at a time.
/// Any backend whose sandbox implements <see cref="ISandbox.StartAsync"/> can use it.
/// </summary>
public sealed class WarmPython : IAsyncDisposable
{
    /// <summary>How long past a snippet's deadline the driver may take to answer before it is presumed hung.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Func<CancellationToken, Task<ISandboxProcess>> _start;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ISandboxProcess? _driver;
    private volatile bool _disposed;

    /// <summary>The driver's source, as embedded in this assembly.</summary>
    public static string DriverSource { get; } = LoadDriver();

    /// <summary>The command that starts the driver inside a sandbox (<c>python3</c> on the sandbox's PATH).</summary>
    public static IReadOnlyList<string> Command { get; } = ["python3", "-I", "-X", "utf8", "-c", DriverSource];

    /// <summary>The command that starts the driver as a stateful session.</summary>
    public static IReadOnlyList<string> SessionCommand { get; } = [.. Command, "session"];

    /// <summary>A warm interpreter in <paramref name="sandbox"/>, started on first use; a stateful session when <paramref name="session"/>.</summary>
    public WarmPython(ISandbox sandbox, bool session = false)
        : this(ct => sandbox.StartAsync(new ExecRequest(session ? SessionCommand : Command), ct)) => IsSession = session;

    /// <summary>A warm interpreter started by <paramref name="start"/> (which runs <see cref="Command"/> somewhere).</summary>
    public WarmPython(Func<CancellationToken, Task<ISandboxProcess>> start) => _start = start;

    /// <summary>True for a stateful session: globals persist from snippet to snippet until the interpreter dies.</summary>
    public bool IsSession { get; }

    /// <summary>How many times the driver was started (1 after the first call; more after it died or hung).</summary>
    public int Starts { get; private set; }

    /// <summary>Starts the driver now rather than on the first snippet.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureDriverAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs one snippet. The agent's failures (exceptions, limits, a killed driver) are results; a driver that cannot start throws <see cref="SandboxException"/>.</summary>
    public async Task<ExecResult> RunAsync(PythonRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var driver = await EnsureDriverAsync(cancellationToken).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(request.Timeout + Grace);
            JsonElement? reply;
            try
            {
                await DriverFrames.WriteAsync(driver.StandardInput, new JsonObject
                {
                    ["code"] = request.Code,
                    ["stdin"] = request.Stdin,
                    ["timeout"] = request.Timeout.TotalSeconds,
                    ["output_limit"] = request.OutputLimitBytes,
                }, deadline.Token).ConfigureAwait(false);
                reply = await DriverFrames.ReadAsync(driver.StandardOutput, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await DiscardDriverAsync().ConfigureAwait(false);
                return new ExecResult(137, "", "", clock.Elapsed, SandboxLimit.Deadline);
            }
            catch (OperationCanceledException)
            {
                await DiscardDriverAsync().ConfigureAwait(false);
                throw;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException or JsonException)
            {
                reply = null;
            }
            if (reply is { } frame) return ToResult(frame, clock.Elapsed);
            if (_disposed) throw new OperationCanceledException("The sandbox was disposed while the snippet ran; it was killed.");
            return await DriverDiedAsync(driver, clock).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ExecResult> DriverDiedAsync(ISandboxProcess driver, Stopwatch clock)
    {
        var exited = await driver.Exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await DiscardDriverAsync().ConfigureAwait(false);
        var stderr = exited.Stderr + (exited.Stderr.EndsWith('\n') || exited.Stderr.Length == 0 ? "" : "\n")
            + $"forge: the Python interpreter exited (status {exited.ExitCode}); the next snippet starts a new one{(IsSession ? " (the session's variables are gone)" : "")}.\n";
        var limit = exited.Limit != SandboxLimit.None ? exited.Limit : LimitClassifier.Classify(exited.ExitCode, exited.Stderr);
        return new ExecResult(exited.ExitCode == 0 ? 1 : exited.ExitCode, "", stderr, clock.Elapsed, limit);
    }

    private static ExecResult ToResult(JsonElement frame, TimeSpan elapsed)
    {
        var exitCode = frame.GetProperty("exit_code").GetInt32();
        var stderr = frame.GetProperty("stderr").GetString() ?? "";
        var stopped = frame.TryGetProperty("stopped", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var exception = frame.TryGetProperty("exception", out var x) && x.ValueKind == JsonValueKind.String ? x.GetString() : null;
        int? errno = frame.TryGetProperty("errno", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : null;
        var limit = stopped switch
        {
            "deadline" => SandboxLimit.Deadline,
            "output" => SandboxLimit.Output,
            _ => LimitClassifier.Classify(exitCode, stderr, exception: exception, errno: errno),
        };
        return new ExecResult(exitCode, frame.GetProperty("stdout").GetString() ?? "", stderr, elapsed, limit)
        {
            OutputTruncated = frame.TryGetProperty("truncated", out var t) && t.ValueKind == JsonValueKind.True,
        };
    }

    private async Task<ISandboxProcess> EnsureDriverAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_driver is { } running) return running;
        var driver = await _start(cancellationToken).ConfigureAwait(false);
        Starts++;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        try
        {
            var hello = await DriverFrames.ReadAsync(driver.StandardOutput, timeout.Token).ConfigureAwait(false);
            if (hello is { } h && h.TryGetProperty("ready", out var ready) && ready.ValueKind == JsonValueKind.True)
            {
                _driver = driver;
                if (!_disposed) return driver;
                await DiscardDriverAsync().ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(WarmPython), "The sandbox was disposed while its Python interpreter started.");
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Reported below with the driver's own error output.
        }
        await driver.KillAsync().ConfigureAwait(false);
        var exited = await driver.Exited.ConfigureAwait(false);
        await driver.DisposeAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        throw new SandboxException($"The Python driver did not start (status {exited.ExitCode}): {exited.Stderr.Trim()} — is python3 installed in the sandbox?");
    }

    private async Task DiscardDriverAsync()
    {
        if (Interlocked.Exchange(ref _driver, null) is not { } driver) return;
        try
        {
            await driver.KillAsync().ConfigureAwait(false);
        }
        finally
        {
            await driver.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Kills the driver at once, even in the middle of a snippet (which then ends with <see cref="OperationCanceledException"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await DiscardDriverAsync().ConfigureAwait(false);
    }

    private static string LoadDriver()
    {
        using var stream = typeof(WarmPython).Assembly.GetManifestResourceStream("Forge.Sandbox.forge_driver.py")
            ?? throw new InvalidOperationException("forge_driver.py is not embedded in Forge.Sandbox.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
