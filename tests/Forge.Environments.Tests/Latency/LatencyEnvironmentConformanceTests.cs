using Forge.Environments.Tests.Conformance;

namespace Forge.Environments.Tests.Latency;

public sealed class LatencyEnvironmentConformanceTests : EnvironmentConformanceTests
{
    protected override string EnvironmentId => "bench/latency";

    // A throughput benchmark whose task is "call fetch N times": an agent that makes the calls has done the task, so
    // "the right form with the wrong content" does not exist here.
    protected override string? RedTeamDoesNotApply => "bench/latency's task is the tool calls themselves (a throughput benchmark)";
}
