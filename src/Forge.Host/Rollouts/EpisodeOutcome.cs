using Forge.Core;

namespace Forge.Host;

/// <summary>
/// What the driver saw of one episode besides its trajectory: the reset, the environment's description after reset,
/// each step's raw result and how the episode was ended (for the checker, which judges the environment's own answers).
/// </summary>
/// <param name="Trajectory">The recorded episode.</param>
/// <param name="Reset">What reset returned; null when the episode failed before.</param>
/// <param name="Info">The environment's description right after reset; null when the episode failed before.</param>
/// <param name="Results">The environment's answer to each action, in order (an action it never answered has none).</param>
/// <param name="HostTruncation">The reason when the host (not the environment) ended the episode because a limit was hit or the action source ran out; null otherwise.</param>
/// <param name="TruncationResult">What the environment answered when the host truncated the episode, when it was asked.</param>
internal sealed record EpisodeOutcome(Trajectory Trajectory, ResetResult? Reset, EnvironmentInfo? Info, IReadOnlyList<StepResult> Results,
    string? HostTruncation, StepResult? TruncationResult);
