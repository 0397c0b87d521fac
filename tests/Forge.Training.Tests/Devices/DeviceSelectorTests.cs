using Forge.Training.Devices;
using TorchSharp;

namespace Forge.Training.Tests.Devices;

public sealed class DeviceSelectorTests
{
    [Fact]
    public void Resolve_Cpu_ReturnsCpu() =>
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve("cpu").type);

    [Fact]
    public void Resolve_Auto_PicksCudaOnlyWhenAvailable() =>
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, DeviceSelector.Resolve("auto").type);

    [Fact]
    public void Resolve_CudaWithoutGpu_ThrowsClearError()
    {
        if (torch.cuda.is_available())
            return; // nothing to check on a GPU machine: cuda resolves
        var error = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("cuda"));
        Assert.Contains("CUDA was requested", error.Message);
    }

    [Fact]
    public void Resolve_Unknown_Throws() =>
        Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("tpu"));

    [Fact]
    public void TorchSharp_LoadsAndComputes()
    {
        using var a = torch.ones(2, 3);
        using var b = (a * 2).sum();
        Assert.Equal(12f, b.item<float>());
    }
}
