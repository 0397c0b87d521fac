using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Forge.Training.Devices;

/// <summary>
/// Process-wide settings that must be in place before libtorch loads. Runs automatically when Forge.Training is
/// first used; call <see cref="Initialize"/> explicitly first thing if your code touches <c>TorchSharp.torch</c> before any
/// Forge.Training type.
/// </summary>
/// <remarks>
/// libtorch's OpenMP threads spin while they wait by default. On a machine with more runnable threads than cores (a
/// shared 2-core CI box) that made a 1M-parameter forward pass ~8× and decoding ~40× slower than with passive
/// waiting. So unless <c>OMP_WAIT_POLICY</c> is already set, it is set to <c>PASSIVE</c> in the native environment, which
/// libgomp reads when libtorch is loaded.
/// </remarks>
public static class TorchRuntime
{
    private static int initialized;

    /// <summary>Applies the settings once (idempotent, thread-safe).</summary>
    public static void Initialize()
    {
        if (Interlocked.Exchange(ref initialized, 1) == 1)
            return;
        if ((OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            _ = SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        }
    }

#pragma warning disable CA2255 // A library module initializer is the point here: it must run before libtorch is loaded.
    [ModuleInitializer]
    internal static void OnLoad() => Initialize();
#pragma warning restore CA2255

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
