using System.Buffers.Binary;
using System.Text;
using Forge.Training.Checkpoints.Gguf;
using TorchSharp;

namespace Forge.Training.Tests.Checkpoints.Gguf;

public sealed class GgufWriterTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("forge-gguf-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Write_LaysOutHeaderMetadataInfosAndAlignedData()
    {
        var path = Path.Combine(root, "t.gguf");
        float[] matrix = [1, 2, 3, 4, 5, 6];
        new GgufWriter { ChunkElements = 4 } // the 6-element matrix goes out in two pieces
            .Add("general.architecture", GgufValue.String("llama"))
            .Add("x.tokens", GgufValue.Strings(["a", "bc"]))
            .AddTensor("m", [2, 3], GgmlType.F32, () => torch.tensor(matrix).reshape(2, 3))
            .AddTensor("h", [3], GgmlType.F16, () => torch.tensor(new float[] { 1, -2, 0.5f }).to(torch.float16))
            .Write(path);

        var bytes = File.ReadAllBytes(path);
        var at = 0;
        Assert.Equal("GGUF", Encoding.ASCII.GetString(bytes, 0, 4));
        at += 4;
        Assert.Equal(3u, U32(bytes, ref at));  // version
        Assert.Equal(2ul, U64(bytes, ref at)); // tensors
        Assert.Equal(3ul, U64(bytes, ref at)); // general.alignment + the two keys
        Assert.Equal("general.alignment", Str(bytes, ref at));
        Assert.Equal(4u, U32(bytes, ref at));  // uint32
        Assert.Equal(32u, U32(bytes, ref at));
        Assert.Equal("general.architecture", Str(bytes, ref at));
        Assert.Equal(8u, U32(bytes, ref at));  // string
        Assert.Equal("llama", Str(bytes, ref at));
        Assert.Equal("x.tokens", Str(bytes, ref at));
        Assert.Equal(9u, U32(bytes, ref at));  // array
        Assert.Equal(8u, U32(bytes, ref at));  // of strings
        Assert.Equal(2ul, U64(bytes, ref at));
        Assert.Equal("a", Str(bytes, ref at));
        Assert.Equal("bc", Str(bytes, ref at));

        Assert.Equal("m", Str(bytes, ref at));
        Assert.Equal(2u, U32(bytes, ref at));
        Assert.Equal(3ul, U64(bytes, ref at)); // ne[0]: the innermost dim first
        Assert.Equal(2ul, U64(bytes, ref at));
        Assert.Equal(0u, U32(bytes, ref at));  // F32
        Assert.Equal(0ul, U64(bytes, ref at));
        Assert.Equal("h", Str(bytes, ref at));
        Assert.Equal(1u, U32(bytes, ref at));
        Assert.Equal(3ul, U64(bytes, ref at));
        Assert.Equal(1u, U32(bytes, ref at));  // F16
        Assert.Equal(32ul, U64(bytes, ref at)); // 24 bytes of m, padded to 32

        var data = (at + 31) / 32 * 32;
        Assert.All(bytes[at..data], b => Assert.Equal(0, b));
        for (var i = 0; i < matrix.Length; i++)
            Assert.Equal(matrix[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(data + 4 * i)));
        Assert.Equal((Half)(-2), BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(data + 32 + 2)));
        Assert.Equal(data + 64, bytes.Length);
    }

    [Fact]
    public void Write_ProducedTensorOfOtherShape_ThrowsNamingItAndLeavesNoFile()
    {
        var path = Path.Combine(root, "bad.gguf");
        var writer = new GgufWriter().AddTensor("blk.0.attn_q.weight", [4, 4], GgmlType.F32, () => torch.zeros(4, 3));
        var e = Assert.Throws<InvalidOperationException>(() => writer.Write(path));
        Assert.Contains("blk.0.attn_q.weight", e.Message);
        Assert.Empty(Directory.GetFiles(root));
    }

    private static uint U32(byte[] b, ref int at) { var v = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)); at += 4; return v; }

    private static ulong U64(byte[] b, ref int at) { var v = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at)); at += 8; return v; }

    private static string Str(byte[] b, ref int at)
    {
        var n = (int)U64(b, ref at);
        var s = Encoding.UTF8.GetString(b, at, n);
        at += n;
        return s;
    }
}
