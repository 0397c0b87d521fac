using Forge.Environments.Tests.Conformance;

namespace Forge.Environments.Tests.MathReasoning;

public sealed class ArithmeticEnvironmentConformanceTests : EnvironmentConformanceTests
{
    protected override string EnvironmentId => "math/arithmetic";
}
