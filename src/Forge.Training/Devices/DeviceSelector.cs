using TorchSharp;

namespace Forge.Training.Devices;

/// <summary>Turns a user's <c>--device</c> choice (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into a TorchSharp device.</summary>
public static class DeviceSelector
{
    /// <summary>
    /// <c>auto</c> picks CUDA when <c>torch.cuda.is_available()</c>, else the CPU; <c>cpu</c> is always the CPU;
    /// <c>cuda</c> / <c>cuda:N</c> require a CUDA device and throw <see cref="ArgumentException"/> when none is present.
    /// </summary>
    public static torch.Device Resolve(string? choice)
    {
        var name = string.IsNullOrWhiteSpace(choice) ? "auto" : choice.Trim().ToLowerInvariant();
        if (name == "auto")
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (name == "cpu")
            return torch.CPU;
        if (name == "cuda" || name.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException(
                    $"--device {choice}: CUDA was requested but no CUDA device is available to TorchSharp " +
                    "(this build uses the CPU libtorch, or no GPU/driver is present); use --device cpu or auto.");
            var index = 0;
            if (name.Length > 4 && (!int.TryParse(name.AsSpan(5), out index) || index < 0 || index >= torch.cuda.device_count()))
                throw new ArgumentException(
                    $"--device {choice}: no such CUDA device (found {torch.cuda.device_count()}).");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"--device {choice}: unknown device; expected auto, cpu, cuda or cuda:N.");
    }
}
