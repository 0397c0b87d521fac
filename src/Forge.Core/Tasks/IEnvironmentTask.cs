namespace Forge.Core;

/// <summary>
/// One task of an environment: an id plus typed prompt data and the data that defines correctness.
/// Task types are plain records read from JSON lines (snake_case) or made by an <see cref="ITaskGenerator{TTask}"/>.
/// </summary>
public interface IEnvironmentTask
{
    /// <summary>The task's id, unique within its environment.</summary>
    string Id { get; }
}

/// <summary>Makes tasks from a seed, for environments with an unbounded supply of tasks.</summary>
public interface ITaskGenerator<out TTask> where TTask : IEnvironmentTask
{
    /// <summary>The <paramref name="index"/>-th task of the stream seeded by <paramref name="seed"/>; the same arguments give the same task.</summary>
    TTask Generate(int seed, int index);
}
