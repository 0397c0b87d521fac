using Forge.Environments.Tests.Conformance;

namespace Forge.Environments.Tests.Vault;

public sealed class VaultEnvironmentConformanceTests : EnvironmentConformanceTests
{
    protected override string EnvironmentId => "game/vault";
}
