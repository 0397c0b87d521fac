using Forge.Environments.Tests.Conformance;

namespace Forge.Environments.Tests.MathReasoning;

public sealed class WordProblemsEnvironmentConformanceTests : EnvironmentConformanceTests
{
    protected override string EnvironmentId => "math/word-problems";
}
