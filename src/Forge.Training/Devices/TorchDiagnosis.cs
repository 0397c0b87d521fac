using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Forge.Training.Devices;

/// <summary>What TorchSharp gives on this machine: the device <c>--device auto</c> picks, the libtorch loaded and its version, CUDA and bf16 support, and the .NET host running it.</summary>
/// <param name="Device">The device <c>auto</c> resolves to: <c>cpu</c> or <c>cuda:0</c>.</param>
/// <param name="CudaAvailable">True when TorchSharp sees a CUDA device.</param>
/// <param name="CudaDevices">The CUDA devices' names (from <c>nvidia-smi</c>; <c>cuda:N</c> where it doesn't answer).</param>
/// <param name="Bf16">True when bf16 matrix products run on <paramref name="Device"/> (on CUDA: compute capability 8.0 or newer).</param>
/// <param name="Libtorch">The libtorch in use.</param>
/// <param name="Host">The .NET host running the process.</param>
/// <param name="Threads">TorchSharp's CPU threads.</param>
public sealed record TorchDiagnosis(string Device, bool CudaAvailable, IReadOnlyList<string> CudaDevices, bool Bf16, LibtorchInUse Libtorch, DotnetHost Host, int Threads)
{
    /// <summary>Loads libtorch (if it isn't yet), probes it and describes it.</summary>
    public static TorchDiagnosis Probe()
    {
        TorchRuntime.Initialize();
        var cuda = torch.cuda.is_available();
        var device = DeviceSelector.Resolve("auto");
        var names = cuda ? GpuQuery("name") : [];
        var devices = Enumerable.Range(0, cuda ? torch.cuda.device_count() : 0).Select(i => i < names.Count ? names[i] : $"cuda:{i}").ToList();
        var bf16 = Bf16Works(device) && (!cuda || GpuQuery("compute_cap").FirstOrDefault() is not { } cap
            || (double.TryParse(cap, NumberStyles.Float, CultureInfo.InvariantCulture, out var capability) && capability >= 8.0));
        return new TorchDiagnosis(cuda ? $"cuda:{device.index}" : "cpu", cuda, devices, bf16, LibtorchInUse.Find(), DotnetHost.Find(), torch.get_num_threads());
    }

    private static bool Bf16Works(torch.Device device)
    {
        try
        {
            using var scope = torch.NewDisposeScope();
            var a = torch.ones([4, 4], torch.bfloat16, device);
            return a.matmul(a).to(torch.float32).cpu().data<float>()[0] == 4f;   // [4, 4] of 4s
        }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>One <c>nvidia-smi --query-gpu</c> field per GPU; empty when nvidia-smi is missing or fails.</summary>
    private static List<string> GpuQuery(string field)
    {
        try
        {
            using var smi = Process.Start(new ProcessStartInfo("nvidia-smi", [$"--query-gpu={field}", "--format=csv,noheader"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = smi.StandardOutput.ReadToEnd();
            if (!smi.WaitForExit(10_000) || smi.ExitCode != 0) return [];
            return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return [];
        }
    }
}

/// <summary>The libtorch TorchSharp loaded.</summary>
/// <param name="Path">The folder holding the loaded <c>libtorch_cpu.so</c> (null when not found).</param>
/// <param name="Version">Its version, where its install says (<see cref="LibtorchVersion"/>).</param>
/// <param name="Expected">The libtorch version TorchSharp was built for (<c>2.10.0</c>).</param>
/// <param name="Matches">True when <paramref name="Version"/> has <paramref name="Expected"/>'s major and minor version.</param>
/// <param name="Source"><c>bundled</c> (the CPU build Forge ships, in the application's folder) or <c>external</c> (one the
/// launcher found: a CUDA build from an installed PyTorch or <c>FORGE_LIBTORCH</c>; see docs/torch.md).</param>
public sealed record LibtorchInUse(string? Path, string? Version, string Expected, bool Matches, string Source)
{
    internal static LibtorchInUse Find()
    {
        var library = NativeImages.Find("libtorch_cpu.so");
        var folder = library is null ? null : System.IO.Path.GetDirectoryName(library);
        var version = folder is null ? null : LibtorchVersion.Of(folder, LibtorchVersion.ProcessDepsFiles());
        var expected = string.Join('.', torch.__version__.Split('.').Take(3));   // TorchSharp says 2.10.0.0
        return new LibtorchInUse(folder, version, expected, LibtorchVersion.Matches(version, expected),
            folder is not null && IsUnder(folder, AppContext.BaseDirectory) ? "bundled" : "external");
    }

    private static bool IsUnder(string path, string folder) =>
        System.IO.Path.GetFullPath(path).StartsWith(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder)) + "/", StringComparison.Ordinal);
}

/// <summary>The .NET host running the process and the C/C++ runtime it loaded.</summary>
/// <param name="Path">The host executable.</param>
/// <param name="Patched">True when the host runs through a private loader (the copy scripts/torchsharp-env makes on hosts whose C++ runtime is too old for TorchSharp).</param>
/// <param name="Loader">The dynamic loader in use.</param>
/// <param name="Libstdcxx">The C++ runtime in use.</param>
/// <param name="Runtime">The .NET runtime's version.</param>
public sealed record DotnetHost(string? Path, bool Patched, string? Loader, string? Libstdcxx, string Runtime)
{
    private static readonly string[] SystemFolders = ["/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"];

    internal static DotnetHost Find()
    {
        var loader = NativeImages.Find("ld-linux-x86-64.so.2") ?? NativeImages.Find("ld-linux-aarch64.so.1");
        return new DotnetHost(System.Environment.ProcessPath, IsPrivate(loader), loader, NativeImages.Find("libstdc++.so.6"), System.Environment.Version.ToString());
    }

    /// <summary>True when <paramref name="loader"/> lies outside the system's library folders.</summary>
    internal static bool IsPrivate(string? loader) => loader is not null && !SystemFolders.Any(f => loader.StartsWith(f, StringComparison.Ordinal));
}
