using Forge.Training.Devices;
using TorchSharp;

namespace Forge.Training.Tests.Devices;

/// <summary>How Forge tells which libtorch, loader and device are in use, on fake installs and on this machine.</summary>
public sealed class TorchDiagnosisTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("forge-torch-diagnosis-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void NativeImagesFind_MapsText_FullPathOfTheLibraryOrItsVersionedFile()
    {
        const string maps = """
            55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 123 /opt/my dotnet/dotnet
            7f00a0000000-7f00a0100000 r-xp 00000000 08:01 456 /home/u/.local/lib/python3.11/site-packages/torch/lib/libtorch_cpu.so
            7f00b0000000-7f00b0100000 r-xp 00000000 08:01 789 /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.33
            7f00c0000000-7f00c0001000 rw-p 00000000 00:00 0 [heap]
            7f00d0000000-7f00d0001000 r-xp 00000000 08:01 999 /opt/x/libtorch_cpu.so.bak
            """;

        Assert.Equal("/home/u/.local/lib/python3.11/site-packages/torch/lib/libtorch_cpu.so", NativeImages.Find(maps, "libtorch_cpu.so"));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.33", NativeImages.Find(maps, "libstdc++.so.6"));
        Assert.Equal("/opt/my dotnet/dotnet", NativeImages.Find(maps, "dotnet"));
        Assert.Null(NativeImages.Find(maps, "libtorch_cuda.so"));
    }

    [Fact]
    public void LibtorchVersionOf_EachKindOfInstall_ReadsWhatItLeavesBesideTheLibraries()
    {
        var pytorch = Folder("site-packages/torch/lib");
        File.WriteAllText(Path.Combine(_temp.FullName, "site-packages/torch/version.py"), "from typing import Optional\n__version__ = '2.5.1+cu121'\ngit_version = 'abc'\n");
        var download = Folder("libtorch/lib");
        File.WriteAllText(Path.Combine(_temp.FullName, "libtorch/build-version"), "2.10.0+cu128\n");
        var package = Folder("packages/libtorch-cuda-12.8-linux-x64/2.10.0.1/runtimes/linux-x64/native");
        var bundled = Folder("bin/runtimes/linux-x64/native");
        var deps = Path.Combine(_temp.FullName, "bin/forge.deps.json");
        File.WriteAllText(deps, """{ "libraries": { "TorchSharp/0.107.0": {}, "libtorch-cpu-linux-x64/2.10.0": {} } }""");

        Assert.Equal("2.5.1+cu121", LibtorchVersion.Of(pytorch, [deps]));
        Assert.Equal("2.10.0+cu128", LibtorchVersion.Of(download, [deps]));
        Assert.Equal("2.10.0.1", LibtorchVersion.Of(package, []));
        Assert.Equal("2.10.0", LibtorchVersion.Of(bundled, [Path.Combine(_temp.FullName, "missing.deps.json"), deps]));
        Assert.Null(LibtorchVersion.Of(Folder("elsewhere/lib"), []));
    }

    [Theory]
    [InlineData("2.10.0", "2.10.0", true)]
    [InlineData("2.10.1+cu128", "2.10.0", true)]
    [InlineData("2.5.1+cu121", "2.10.0", false)]
    [InlineData("2.1.0", "2.10.0", false)]
    [InlineData(null, "2.10.0", false)]
    [InlineData("nightly", "2.10.0", false)]
    public void LibtorchVersionMatches_MajorAndMinorDecide(string? version, string expected, bool matches) =>
        Assert.Equal(matches, LibtorchVersion.Matches(version, expected));

    [Theory]
    [InlineData("/work/.forge/runtime/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", true)]
    [InlineData("/lib64/ld-linux-x86-64.so.2", false)]
    [InlineData("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", false)]
    [InlineData(null, false)]
    public void DotnetHostIsPrivate_LoaderOutsideTheSystemFolders(string? loader, bool patched) =>
        Assert.Equal(patched, DotnetHost.IsPrivate(loader));

    [Fact]
    public void Probe_ThisMachine_DescribesTheLoadedLibtorchAndDevice()
    {
        var diagnosis = TorchDiagnosis.Probe();

        Assert.Equal(torch.cuda.is_available(), diagnosis.CudaAvailable);
        Assert.Equal(diagnosis.CudaAvailable ? "cuda:0" : "cpu", diagnosis.Device);
        Assert.Equal(diagnosis.CudaAvailable ? torch.cuda.device_count() : 0, diagnosis.CudaDevices.Count);
        Assert.True(File.Exists(Path.Combine(diagnosis.Libtorch.Path!, "libtorch_cpu.so")), diagnosis.Libtorch.Path);
        Assert.Equal("2.10.0", diagnosis.Libtorch.Expected);
        Assert.Equal("bundled", diagnosis.Libtorch.Source);
        Assert.Equal("2.10.0", diagnosis.Libtorch.Version);   // the libtorch-cpu-linux-x64 package the tests are built with
        Assert.True(diagnosis.Libtorch.Matches);
        if (!diagnosis.CudaAvailable) Assert.True(diagnosis.Bf16);   // libtorch's CPU kernels do bf16 matrix products
        Assert.Equal(torch.get_num_threads(), diagnosis.Threads);
        Assert.Equal(Environment.ProcessPath, diagnosis.Host.Path);
        Assert.True(File.Exists(diagnosis.Host.Loader), diagnosis.Host.Loader);
    }

    private string Folder(string relative)
    {
        var path = Path.Combine(_temp.FullName, relative);
        Directory.CreateDirectory(path);
        return path;
    }
}
