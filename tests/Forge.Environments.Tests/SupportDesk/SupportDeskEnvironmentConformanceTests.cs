using Forge.Environments.Tests.Conformance;

namespace Forge.Environments.Tests.SupportDesk;

public sealed class SupportDeskEnvironmentConformanceTests : EnvironmentConformanceTests
{
    protected override string EnvironmentId => "support/desk";
}
