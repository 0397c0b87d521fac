using Forge.Training.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Training.Tests.Generation;

/// <summary>Sampling on a GPU: runs where TorchSharp sees a CUDA device and skips elsewhere (CI machines have none).</summary>
public sealed class SamplingDeviceTests
{
    [SkippableTheory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.8, 0.9)]
    public void Sample_OnCudaWithSeededGenerator_DrawsWhatTheCpuDraws(double temperature, double topP)
    {
        Skip.IfNot(cuda.is_available(), "no CUDA device is visible to TorchSharp");
        using var scope = NewDisposeScope();
        var logits = randn([6, 40], generator: new torch.Generator(7));
        using var cpuRng = new torch.Generator(11);
        using var cudaRng = new torch.Generator(11);
        var onCpu = Sampling.Sample(logits, temperature, topP, cpuRng);
        var onCuda = Sampling.Sample(logits.to(CUDA), temperature, topP, cudaRng);
        Assert.Equal(DeviceType.CUDA, onCuda.device_type);
        Assert.Equal(onCpu.data<long>().ToArray(), onCuda.cpu().data<long>().ToArray());
    }
}
