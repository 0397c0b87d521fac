using System.ComponentModel;
using Forge.Core;
using Microsoft.SemanticKernel;

namespace Forge.Agents.Tests.SemanticKernel;

internal sealed record TestTask(string Id) : IEnvironmentTask;

/// <summary>Tools as an environment declares them: Semantic Kernel functions whose schemas come from the metadata.</summary>
internal sealed class CalculatorTools
{
    [KernelFunction, Description("Evaluate a product of two integers.")]
    public int Multiply([Description("The left factor")] int a, [Description("The right factor")] int b) => a * b;

    [KernelFunction, Description("Look up a value by key.")]
    public string Lookup([Description("The key")] string key, [Description("Case-sensitive?")] bool exact = false) => exact ? key : key.ToUpperInvariant();
}

internal static class TestTurns
{
    public static readonly ToolDispatcher Dispatcher = new(new CalculatorTools());

    public static AgentTurn Turn(IReadOnlyList<Message> conversation, IReadOnlyList<ToolSpec>? tools = null) =>
        new("math/arithmetic", new TestTask("t-1"), conversation, tools ?? Dispatcher.Tools, new EpisodeContext("ep-1", 1));
}
