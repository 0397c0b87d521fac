using System.Text.Json;
using Forge.Core;

namespace Forge.Core.Tests.Sandboxing;

public sealed class SandboxOptionsTests
{
    private static SandboxOptions Parse(string json) => SandboxOptions.Parse(JsonDocument.Parse(json).RootElement, "code.json");

    [Fact]
    public void Parse_EveryProperty_IsRead()
    {
        var options = Parse("""
            { "backend": "docker", "memory_mb": 512, "cpu_seconds": 5, "max_processes": 32, "max_file_size_mb": 8,
              "timeout_s": 30, "output_limit_bytes": 65536, "pool_size": 2, "image": "forge-python:1", "allow_unisolated": true }
            """);
        Assert.Equal(new SandboxOptions
        {
            Backend = "docker", MemoryMb = 512, CpuSeconds = 5, MaxProcesses = 32, MaxFileSizeMb = 8, TimeoutSeconds = 30,
            OutputLimitBytes = 65536, PoolSize = 2, Image = "forge-python:1", AllowUnisolated = true,
        }, options);
    }

    [Fact]
    public void Parse_EmptySection_GivesTheDefaults() => Assert.Equal(SandboxOptions.Default, Parse("{}"));

    [Fact]
    public void Parse_UnknownProperty_SuggestsTheNearestName()
    {
        var e = Assert.ThrowsAny<FormatException>(() => Parse("""{ "memory_mib": 256 }"""));
        Assert.Equal("code.json: $.sandbox.memory_mib: unknown property \"memory_mib\". Did you mean \"memory_mb\"?", e.Message);
    }

    [Fact]
    public void Parse_SeveralProblems_AreReportedTogether()
    {
        var e = Assert.ThrowsAny<FormatException>(() => Parse("""{ "backend": "vm", "memory_mb": "lots", "pool_size": -1, "allow_unisolated": "yes" }"""));
        var lines = e.Message.Split(Environment.NewLine);
        Assert.Contains("code.json: $.sandbox.memory_mb: expected an integer, got the string \"lots\"", lines);
        Assert.Contains("code.json: $.sandbox.allow_unisolated: expected true or false, got the string \"yes\"", lines);
        Assert.Contains("code.json: $.sandbox.backend: \"vm\" is not one of \"local\", \"docker\".", lines);
        Assert.Contains("code.json: $.sandbox.pool_size: must be between 0 and 1024 (got -1)", lines);
    }

    [Fact]
    public void Parse_NotAnObject_SaysWhatItGot()
    {
        var e = Assert.ThrowsAny<FormatException>(() => Parse("[1]"));
        Assert.Equal("code.json: $.sandbox: expected an object, got an array", e.Message);
    }

    [Fact]
    public void Validate_Defaults_AreValid() => Assert.Empty(SandboxOptions.Default.Validate());
}
