namespace Forge.Host.Checking;

/// <summary>Thrown inside a check to fail it with a message saying what the environment did wrong.</summary>
internal sealed class CheckFailure(string message) : Exception(message);

/// <summary>Thrown inside a check that doesn't apply, with the reason.</summary>
internal sealed class CheckSkipped(string reason) : Exception(reason);
