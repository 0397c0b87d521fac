using System.Runtime.CompilerServices;
using Forge.Training.Devices;

namespace Forge.Serving.Tests;

internal static class TorchRuntimeSetup
{
    // Before any test touches TorchSharp directly (see TorchRuntime).
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.Initialize();
}
