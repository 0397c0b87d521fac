using System.Globalization;
using Forge.Agents.Scripted;
using Forge.Agents.SemanticKernel;
using Forge.Core;
using Forge.Host.Registry;
using Forge.Training.Pipeline;

namespace Forge.Cli.Commands.Trajectories;

/// <summary>The agent <c>--agent SPEC</c> names for a fork: <c>scripted</c>, <c>noisy[:RATE]</c>, <c>policy:CHECKPOINT_DIR</c>, <c>semantic-kernel:MODEL@URL</c>.</summary>
internal static class ForkAgents
{
    public const string Usage = "scripted, noisy[:RATE], policy:CHECKPOINT_DIR or semantic-kernel:MODEL@URL";

    public static IAgent Create(string spec, RegisteredEnvironment environment, int seed)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var (kind, argument) = colon < 0 ? (spec, null) : (spec[..colon], spec[(colon + 1)..]);
        return kind switch
        {
            "scripted" when argument is null => Solver(environment),
            "noisy" => new NoisyAgent(Solver(environment), Rate(argument)),
            "policy" when !string.IsNullOrWhiteSpace(argument) => Directory.Exists(argument)
                ? CheckpointAgent.Load(argument, seed)
                : throw new DirectoryNotFoundException($"--agent policy:{argument}: no such checkpoint directory."),
            "semantic-kernel" when argument?.LastIndexOf('@') is > 0 and var at => new SemanticKernelAgent(new SemanticKernelAgentOptions
            {
                Model = argument[..at],
                Endpoint = Uri.TryCreate(argument[(at + 1)..], UriKind.Absolute, out var uri) ? uri : throw new ArgumentException($"--agent {spec}: '{argument[(at + 1)..]}' is not an absolute URL."),
            }),
            _ => throw new ArgumentException($"--agent: '{spec}' is not an agent; use {Usage}."),
        };
    }

    private static IAgent Solver(RegisteredEnvironment environment) =>
        environment.CreateSolver() ?? throw new ArgumentException($"--agent: {environment.Id} has no scripted solver to act (or to add noise to); use policy:… or semantic-kernel:….");

    private static double Rate(string? argument)
    {
        if (argument is null) return 0.2;
        return double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1
            ? rate
            : throw new ArgumentException($"--agent noisy:{argument}: the error rate must be a number between 0 and 1.");
    }
}
