using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Forge.Cli.Tests.Commands.View;

public sealed class ViewCommandTests
{
    private static readonly string SampleLog = Path.Combine(ForgeProcess.RepositoryRoot, "tests", "TestData", "trajectories", "v1.forge");

    [Fact]
    public async Task View_Log_PrintsItsLoopbackUrlServesTheLogAndStopsOnCtrlC()
    {
        var folder = Directory.CreateTempSubdirectory("forge-view-cli-").FullName;
        try
        {
            File.Copy(SampleLog, Path.Combine(folder, "trajectories.forge"));
            var port = LoopbackPort.Free();
            JsonElement runs = default;
            var (code, stdout, stderr) = await ForgeProcess.RunAsync(folder, ["view", folder, "--port", port.ToString()], async pid =>
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        runs = JsonDocument.Parse(await http.GetStringAsync("api/runs")).RootElement.Clone();
                        break;
                    }
                    catch (HttpRequestException) when (attempt < 300) { await Task.Delay(100); }
                }
                using var kill = System.Diagnostics.Process.Start("kill", ["-INT", pid.ToString()]);
                await kill.WaitForExitAsync();
            });

            Assert.True(code == 0, stderr);
            Assert.Contains($"forge view: http://127.0.0.1:{port}/", stdout);
            Assert.Equal(4, runs.GetProperty("runs")[0].GetProperty("logs")[0].GetProperty("episodes").GetInt32());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task View_MissingPath_ExitsTwoNamingIt()
    {
        var (code, _, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "view", "no/such/run");

        Assert.Equal(2, code);
        Assert.Contains("no/such/run does not exist", stderr);
    }

    [Fact]
    public async Task View_PortInUse_ExitsTwoSayingSo()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, _, stderr) = await ForgeProcess.RunAsync(AppContext.BaseDirectory, "view", SampleLog, "--port", port.ToString());

        Assert.Equal(2, code);
        Assert.Contains($"--port {port}: cannot listen on 127.0.0.1:{port}", stderr);
    }
}
