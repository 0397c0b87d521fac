namespace Forge.Core;

/// <summary>
/// Marks an environment whose state can't be restored by re-executing an episode's recorded actions (it reads the wall
/// clock, or an outside service that doesn't answer the same way twice). Replay refuses to fork its episodes and
/// <c>forge envs check</c> reports it as not forkable, with <see cref="Reason"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class NotForkableAttribute(string reason) : Attribute
{
    /// <summary>Why re-executing the recorded actions doesn't restore the state.</summary>
    public string Reason { get; } = reason;
}
