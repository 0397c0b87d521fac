using System.Text.Json;

namespace Forge.Environments.PythonCoding;

/// <summary>A function-writing task: what to write, examples the agent sees, hidden tests it doesn't, and a reference solution.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Function">The name of the function to define.</param>
/// <param name="Statement">What the function must do, as the agent reads it.</param>
/// <param name="Reference">A correct solution (what the scripted solver submits; never shown to other agents).</param>
/// <param name="Examples">Calls shown to the agent with their results.</param>
/// <param name="Tests">The hidden tests that score a submission.</param>
public sealed record CodeTask(string Id, string Function, string Statement, string Reference, IReadOnlyList<CodeCase> Examples, IReadOnlyList<CodeCase> Tests) : IEnvironmentTask;

/// <summary>One call of the function: its arguments (JSON values) and either the expected result or the exception it must raise.</summary>
/// <param name="Args">The positional arguments.</param>
/// <param name="Expected">The expected return value (JSON; <c>null</c> stands for Python's None).</param>
/// <param name="Raises">The name of the exception the call must raise (for example <c>ValueError</c>), instead of returning.</param>
public sealed record CodeCase(IReadOnlyList<JsonElement> Args, JsonElement Expected = default, string? Raises = null);
