using Forge.Core;
using Forge.Environments.Tests.Conformance;
using Forge.Sandbox;

namespace Forge.Environments.Tests.PythonCoding;

/// <summary>code/python-functions passes the environment conformance suite, its episodes run in local sandboxes.</summary>
public sealed class PythonFunctionsConformanceTests : EnvironmentConformanceTests, IAsyncLifetime
{
    // The checker runs once per test run, from whichever test asks first; that test's provider serves it and is disposed after it.
    private readonly Lazy<ISandboxProvider> _sandboxes = new(() => SandboxProviders.Create(new SandboxOptions { AllowUnisolated = true, PoolSize = 0 }));

    protected override string EnvironmentId => "code/python-functions";

    protected override ISandboxProvider? Sandboxes => _sandboxes.Value;

    // Every adversary on a quarter of the tasks: each of their episodes runs Python in a sandbox.
    protected override int? RedTeamTasks => 8;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_sandboxes.IsValueCreated) await _sandboxes.Value.DisposeAsync();
    }
}
