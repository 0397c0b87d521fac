using System.Diagnostics;
using System.Text.Json;
using Forge.Cli.Tests.Commands;

namespace Forge.Cli.Tests.Scripts;

/// <summary>
/// The GPU path of <c>scripts/torchsharp-env</c> on fake machines: a fake <c>nvidia-smi</c> on PATH, fake <c>/dev</c> and
/// <c>/proc</c> entries (<c>FORGE_GPU_PROBE_ROOT</c>), fake PyTorch and libtorch installs. And the loading mechanism itself,
/// end to end on the CPU: the app copy without the bundled libtorch runs on the libtorch the library path names.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TorchsharpEnvCudaTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-cuda-env-test-");
    private readonly string _bin;

    public TorchsharpEnvCudaTests()
    {
        _bin = Folder("bin");
        Folder("root");   // an empty /dev and /proc: only what a test adds is there
    }

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Cuda_NoGpu_PrintsAndSaysNothing()
    {
        FakeNvidiaSmi(gpus: 0);
        FakePyTorch("2.10.0+cu128", cuda: true);

        var (exit, stdout, stderr) = await Cuda(new() { ["FORGE_LIBTORCH"] = Path.Combine(_temp.FullName, "site", "torch") });

        Assert.Equal(0, exit);
        Assert.Equal("", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Cuda_GpuAndMatchingPyTorch_PrintsItsLibFolderAndSaysSo()
    {
        FakeNvidiaSmi(gpus: 1);
        var lib = FakePyTorch("2.10.1+cu128", cuda: true);

        var (exit, stdout, stderr) = await Cuda(new() { ["FORGE_PYTHON"] = FakePython() });

        Assert.Equal(0, exit);
        Assert.Equal(lib, stdout.Trim());
        Assert.Equal($"forge: CUDA libtorch 2.10.1+cu128 at {lib} (the PyTorch of {FakePython()}); TorchSharp expects 2.10 — using it.", stderr.Trim());
    }

    [Fact]
    public async Task Cuda_GpuAndOlderPyTorch_NotUsedSaysWhy()
    {
        File.WriteAllText(Path.Combine(Folder("root/dev"), "nvidia0"), "");
        var lib = FakePyTorch("2.5.1+cu121", cuda: true);

        var (_, stdout, stderr) = await Cuda(new() { ["FORGE_PYTHON"] = FakePython() });

        Assert.Equal("", stdout);
        Assert.Equal($"forge: CUDA libtorch 2.5.1+cu121 at {lib} (the PyTorch of {FakePython()}); TorchSharp expects 2.10 — not used, running on the CPU. " +
            "Install PyTorch 2.10 or point FORGE_LIBTORCH at a libtorch 2.10 folder.", stderr.Trim());
    }

    [Fact]
    public async Task Cuda_OlderPyTorchWithMismatchUse_UsedAnywaySaysSo()
    {
        FakeNvidiaSmi(gpus: 1);
        var lib = FakePyTorch("2.11.0+cu130", cuda: true);

        var (_, stdout, stderr) = await Cuda(new() { ["FORGE_PYTHON"] = FakePython(), ["FORGE_LIBTORCH_MISMATCH"] = "use" });

        Assert.Equal(lib, stdout.Trim());
        Assert.Equal($"forge: CUDA libtorch 2.11.0+cu130 at {lib} (the PyTorch of {FakePython()}); TorchSharp expects 2.10 — using it anyway (FORGE_LIBTORCH_MISMATCH=use).", stderr.Trim());
    }

    [Fact]
    public async Task Cuda_GpuAndCpuOnlyPyTorch_NotUsed()
    {
        Folder("root/proc/driver/nvidia/gpus/0000:01:00.0");
        var lib = FakePyTorch("2.10.0+cpu", cuda: false);

        var (_, stdout, stderr) = await Cuda(new() { ["FORGE_PYTHON"] = FakePython() });

        Assert.Equal("", stdout);
        Assert.Equal($"forge: libtorch 2.10.0+cpu at {lib} (the PyTorch of {FakePython()}) is a CPU build (no libtorch_cuda.so) — not used, running on the CPU.", stderr.Trim());
    }

    [Fact]
    public async Task Cuda_GpuAndNoPyTorch_SaysWhereToGetOne()
    {
        FakeNvidiaSmi(gpus: 2);

        var (_, stdout, stderr) = await Cuda(new() { ["FORGE_PYTHON"] = FakePython(torchFolder: "") });

        Assert.Equal("", stdout);
        Assert.Contains("forge: an NVIDIA GPU is visible, but no CUDA libtorch was found (FORGE_LIBTORCH is not set", stderr);
        Assert.Contains("docs/torch.md (GPU path)", stderr);
    }

    [Fact]
    public async Task Cuda_LibtorchDownloadInForgeLibtorch_UsedOverPyTorch()
    {
        FakeNvidiaSmi(gpus: 1);
        FakePyTorch("2.5.1+cu121", cuda: true);
        var root = Folder("libtorch");
        var lib = Folder("libtorch/lib");
        foreach (var name in new[] { "libtorch_cpu.so", "libtorch_cuda.so" }) File.WriteAllText(Path.Combine(lib, name), "");
        File.WriteAllText(Path.Combine(root, "build-version"), "2.10.0+cu128\n");

        var (_, stdout, stderr) = await Cuda(new() { ["FORGE_LIBTORCH"] = root, ["FORGE_PYTHON"] = FakePython() });

        Assert.Equal(lib, stdout.Trim());
        Assert.Equal($"forge: CUDA libtorch 2.10.0+cu128 at {lib} (FORGE_LIBTORCH); TorchSharp expects 2.10 — using it.", stderr.Trim());
    }

    [Fact]
    public async Task Cuda_ForgeLibtorchWithoutLibtorch_NotUsed()
    {
        FakeNvidiaSmi(gpus: 1);
        var empty = Folder("empty");

        var (_, stdout, stderr) = await Cuda(new() { ["FORGE_LIBTORCH"] = empty });

        Assert.Equal("", stdout);
        Assert.Equal($"forge: FORGE_LIBTORCH={empty} holds no libtorch (no libtorch_cpu.so in it or in its lib/) — not used, running on the CPU.", stderr.Trim());
    }

    [Fact]
    public async Task CudaApp_ThenLibraryPath_TorchSharpRunsOnTheNamedLibtorch()
    {
        // A "CUDA" install made of another copy of libtorch 2.10 (the NuGet package's folder) and a libtorch_cuda.so that
        // doesn't load: TorchSharp must run on that copy, not on the one bundled with the app.
        var packaged = Path.Combine(NuGetPackages, "libtorch-cpu-linux-x64", BundledLibtorchVersion, "runtimes", "linux-x64", "native");
        Assert.True(File.Exists(Path.Combine(packaged, "libtorch_cpu.so")), $"{packaged} has no libtorch_cpu.so");
        FakeNvidiaSmi(gpus: 1);
        var lib = FakePyTorch("2.10.0+cu128", cuda: true, linkTo: packaged);
        var (_, found, _) = await Cuda(new() { ["FORGE_PYTHON"] = FakePython() });
        Assert.Equal(lib, found.Trim());

        // Beside the test's own build (same file system: hard links), so that nothing is copied.
        var app = Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory))!, $"cuda-app-{Guid.NewGuid():n}");
        try
        {
            var (exit, made, stderr) = await Script(["--cuda-app", AppContext.BaseDirectory, app], []);
            Assert.True(exit == 0, stderr);
            Assert.Equal(app, made.Trim());
            Assert.Empty(Directory.GetFiles(app, "libtorch*", SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(app, "runtimes", "linux-x64", "native", "libLibTorchSharp.so")));

            var doctor = new ProcessStartInfo(ForgeProcess.DotnetHost, [Path.Combine(app, "forge.dll"), "doctor", "--json"]) { RedirectStandardOutput = true, RedirectStandardError = true };
            doctor.Environment["LD_LIBRARY_PATH"] = lib;
            using var process = Process.Start(doctor)!;
            var json = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.True(process.ExitCode == 0, errors);
            var libtorch = JsonDocument.Parse(json).RootElement.GetProperty("torch").GetProperty("libtorch");
            Assert.Equal(packaged, libtorch.GetProperty("path").GetString());   // the maps show the link's target
            Assert.Equal("external", libtorch.GetProperty("source").GetString());
            Assert.True(libtorch.GetProperty("matches").GetBoolean());
        }
        finally
        {
            if (Directory.Exists(app)) Directory.Delete(app, recursive: true);
            File.Delete(app + ".lock");
        }
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Cuda(Dictionary<string, string> environment) => Script(["--cuda"], environment);

    private async Task<(int ExitCode, string Stdout, string Stderr)> Script(string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(Path.Combine(ForgeProcess.RepositoryRoot, "scripts", "torchsharp-env"), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = $"{_bin}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["FORGE_GPU_PROBE_ROOT"] = Path.Combine(_temp.FullName, "root");
        start.Environment.Remove("FORGE_LIBTORCH");
        start.Environment.Remove("FORGE_LIBTORCH_MISMATCH");
        start.Environment["FORGE_PYTHON"] = FakePython(torchFolder: "");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>An nvidia-smi that lists <paramref name="gpus"/> GPUs, or fails as it does when the driver isn't loaded.</summary>
    private void FakeNvidiaSmi(int gpus) =>
        Executable("nvidia-smi", gpus == 0
            ? "echo 'NVIDIA-SMI has failed because it couldn'\\''t communicate with the NVIDIA driver.'; exit 9"
            : string.Join("\n", Enumerable.Range(0, gpus).Select(i => $"echo 'GPU {i}: NVIDIA H200 (UUID: GPU-{i})'")));

    /// <summary>A PyTorch install (torch/version.py, torch/lib) whose libraries are empty files, or links into <paramref name="linkTo"/>.</summary>
    private string FakePyTorch(string version, bool cuda, string? linkTo = null)
    {
        var lib = Folder("site/torch/lib");
        File.WriteAllText(Path.Combine(_temp.FullName, "site", "torch", "version.py"), $"from typing import Optional\n__version__ = '{version}'\ncuda: Optional[str] = '12.8'\n");
        if (linkTo is not null)
            foreach (var file in Directory.GetFiles(linkTo)) File.CreateSymbolicLink(Path.Combine(lib, Path.GetFileName(file)), file);
        else
            File.WriteAllText(Path.Combine(lib, "libtorch_cpu.so"), "");
        if (cuda) File.WriteAllText(Path.Combine(lib, "libtorch_cuda.so"), "");
        return lib;
    }

    /// <summary>A python that answers the script's question (where is torch?) with <paramref name="torchFolder"/>.</summary>
    private string FakePython(string? torchFolder = null)
    {
        var name = torchFolder == "" ? "python-without-torch" : "python-with-torch";
        Executable(name, $"echo '{torchFolder ?? Path.Combine(_temp.FullName, "site", "torch")}'");
        return name;
    }

    private void Executable(string name, string body) => FakeExecutable.Write(Path.Combine(_bin, name), $"#!/bin/sh\n{body}\n");

    private string Folder(string relative) => Directory.CreateDirectory(Path.Combine(_temp.FullName, relative)).FullName;

    private static string BundledLibtorchVersion => Commands.Doctor.DoctorCommandTests.BundledLibtorchVersion;

    private static string NuGetPackages => Commands.Doctor.DoctorCommandTests.NuGetPackages;
}
