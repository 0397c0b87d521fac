namespace Forge.Viewer;

/// <summary>Options of <c>forge view</c>.</summary>
public sealed class ViewerOptions
{
    /// <summary>A trajectory log, a run folder, or a folder of runs.</summary>
    public required string Path { get; init; }

    /// <summary>The port on 127.0.0.1 to listen on; 0 (default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The <c>environments.json</c> reruns load; default: the one <c>forge</c> finds (./environments.json, else beside forge).</summary>
    public string? RegistryPath { get; init; }

    /// <summary>Makes the agent a fork from the episode page continues with; null: the page cannot fork (the CLI passes its <c>--agent</c> specs).</summary>
    public Actions.ForkAgentFactory? ForkAgents { get; init; }
}
