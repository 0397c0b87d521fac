namespace Forge.Training.Checkpoints.Gguf;

/// <summary>Type tag of a GGUF metadata value (the numbering of the GGUF specification).</summary>
internal enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>Element type of a GGUF tensor (ggml's numbering); only the unquantized ones Forge writes.</summary>
public enum GgmlType : uint
{
    /// <summary>IEEE 754 single precision.</summary>
    F32 = 0,

    /// <summary>IEEE 754 half precision.</summary>
    F16 = 1,

    /// <summary>bfloat16 (the upper half of a float32).</summary>
    BF16 = 30,
}
