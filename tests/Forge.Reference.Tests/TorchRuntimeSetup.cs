using System.Runtime.CompilerServices;
using Forge.Training.Devices;

namespace Forge.Reference.Tests;

internal static class TorchRuntimeSetup
{
    // Before any test touches TorchSharp directly (see TorchRuntime).
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.Initialize();
}
