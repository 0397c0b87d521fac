namespace Forge.Training.Precision;

/// <summary>The number format the policy trains in (<c>trainer.precision</c>).</summary>
public enum TrainingPrecision
{
    /// <summary>Weights, activations, gradients and optimizer state in fp32.</summary>
    Fp32,

    /// <summary>
    /// Weights and activations in bfloat16; the trainable parameters keep fp32 master copies (LoRA adapters simply stay
    /// fp32) with fp32 optimizer state; log-probabilities and the loss are computed in fp32.
    /// </summary>
    Bf16,
}
