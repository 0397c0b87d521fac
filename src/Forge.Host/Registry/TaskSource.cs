using Forge.Core;
using Forge.Host.Fingerprints;

namespace Forge.Host.Registry;

/// <summary>Where a registered environment's tasks come from: a JSON-lines file read once at load, or a seeded generator.</summary>
internal abstract class TaskSource
{
    /// <summary>How many tasks the source offers by default.</summary>
    public abstract int Count { get; }

    /// <summary>Says where the tasks come from, for listings.</summary>
    public abstract string Describe();

    /// <summary>The first <paramref name="count"/> tasks (all of them when null) of the stream seeded by <paramref name="seed"/>.</summary>
    public abstract IReadOnlyList<IEnvironmentTask> Take(int seed, int? count);

    /// <summary>Where <paramref name="task"/>, taken with <paramref name="seed"/>, came from, for a trajectory's provenance.</summary>
    public abstract TaskProvenance Provenance(IEnvironmentTask task, int seed);
}

/// <summary>Tasks read from a file; the seed doesn't change them.</summary>
internal sealed class FileTaskSource(string displayPath, IReadOnlyList<IEnvironmentTask> tasks) : TaskSource
{
    public override int Count => tasks.Count;

    public override string Describe() => displayPath;

    public override IReadOnlyList<IEnvironmentTask> Take(int seed, int? count) =>
        count is { } n && n < tasks.Count ? tasks.Take(n).ToList() : tasks;

    public override TaskProvenance Provenance(IEnvironmentTask task, int seed) =>
        new() { Source = TaskProvenance.FileSource, File = displayPath, ContentHash = Fingerprint.Of(task) };
}

/// <summary>Tasks made by an <see cref="ITaskGenerator{TTask}"/>: the same seed and index give the same task.</summary>
internal sealed class GeneratorTaskSource(Type generatorType, int count) : TaskSource
{
    public override int Count => count;

    public override string Describe() => $"{generatorType.Name} ({count})";

    public override TaskProvenance Provenance(IEnvironmentTask task, int seed) =>
        new() { Source = TaskProvenance.GeneratorSource, Generator = generatorType.FullName, GeneratorSeed = seed, ContentHash = Fingerprint.Of(task) };

    public override IReadOnlyList<IEnvironmentTask> Take(int seed, int? requested)
    {
        // Task types are classes (Environment<TTask> requires it), so the covariant interface fits every generator.
        var generator = (ITaskGenerator<IEnvironmentTask>)Activator.CreateInstance(generatorType)!;
        var n = requested ?? count;
        var tasks = new IEnvironmentTask[n];
        for (var i = 0; i < n; i++)
            tasks[i] = generator.Generate(seed, i) ?? throw new InvalidOperationException($"{generatorType.FullName}.Generate({seed}, {i}) returned null.");
        return tasks;
    }
}
