using System.Diagnostics;
using Forge.Cli.Tests.Commands;

namespace Forge.Cli.Tests.Scripts;

/// <summary>
/// The <c>./forge</c> launcher started several times at once on a fresh checkout (three workers, say): one builds, the
/// others wait for it and then run, and none of them keeps the others waiting once forge itself runs. The launcher is run
/// from a copy of the script in an empty checkout, with a stand-in <c>dotnet</c> on the PATH that records its builds.
/// </summary>
public sealed class LauncherTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("forge-launcher-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task Launcher_StartedThreeTimesAtOnce_BuildsOnceAndRunsAllThree()
    {
        var root = _root.FullName;
        File.Copy(Path.Combine(ForgeProcess.RepositoryRoot, "forge"), Path.Combine(root, "forge"));
        Directory.CreateDirectory(Path.Combine(root, "src", "Forge.Cli"));
        var fakeBin = Directory.CreateDirectory(Path.Combine(root, "fake-bin")).FullName;
        // A build takes a second and notes whether another one was under way; running forge.dll says so and then stays
        // up for a while (a worker), which must not hold back the launchers after it.
        var fakeDotnet = Path.Combine(fakeBin, "dotnet");
        FakeExecutable.Write(fakeDotnet, $$"""
            #!/usr/bin/env bash
            log="{{root}}/dotnet.log"
            if [ "$1" = build ]; then
              [ -e "{{root}}/building" ] && echo overlap >> "$log"
              touch "{{root}}/building"; echo build >> "$log"; sleep 1
              while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
              mkdir -p "$out"; touch "$out/forge.dll"; rm "{{root}}/building"
            else
              echo "ran $2" >> "$log"; sleep "${FORGE_TEST_STAY:-0}"
            fi
            """.Replace("\r\n", "\n") + "\n");

        Process Launch(string arg, string stay)
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(root, "forge"), arg]) { RedirectStandardError = true, RedirectStandardOutput = true };
            start.Environment["PATH"] = fakeBin + ":" + Environment.GetEnvironmentVariable("PATH");
            start.Environment["FORGE_TEST_STAY"] = stay;
            return Process.Start(start)!;
        }

        var first = Launch("w1", "30");   // stays up like a worker
        var others = new[] { Launch("w2", "0"), Launch("w3", "0") };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            foreach (var p in others) await p.WaitForExitAsync(timeout.Token);
            var log = await File.ReadAllLinesAsync(Path.Combine(root, "dotnet.log"));
            Assert.Equal(1, log.Count(l => l == "build"));
            Assert.DoesNotContain("overlap", log);
            Assert.Equal(["ran w1", "ran w2", "ran w3"], log.Where(l => l.StartsWith("ran ", StringComparison.Ordinal)).Order());
            Assert.All(others, p => Assert.Equal(0, p.ExitCode));
            Assert.False(first.HasExited, "the first launcher's forge should still be running");
        }
        finally
        {
            first.Kill(entireProcessTree: true);
            foreach (var p in others.Append(first)) p.Dispose();
        }
    }
}
