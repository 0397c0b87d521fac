using Forge.Environments.Tests.Conformance;

namespace Forge.Environments.Tests.Latency;

public sealed class LatencyEnvironmentConformanceTests : EnvironmentConformanceTests
{
    protected override string EnvironmentId => "bench/latency";
}
