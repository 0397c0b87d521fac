using System.Runtime.CompilerServices;
using Forge.Core;
using MessagePack;
using MessagePack.Formatters;

namespace Forge.Host.Recording.Formatters;

// Format 2's layout of a trajectory's provenance: maps keyed by field number, members at their default left out. Format 1 wrote
// these types with the generic formatters (keyed by property name), which a format-1 writer still uses; the readers here take both.

/// <summary>The stored members of <see cref="Provenance"/> (see <see cref="MessageField"/>).</summary>
internal enum ProvenanceField { ForgeVersion, ForgeCommit, EnvironmentVersion, EnvironmentAssembly, EnvironmentAssemblyHash, Task, Limits, Sandbox, Agent, Worker, Attempts, Judge }

/// <summary><see cref="Provenance"/> in format 2's layout; reads format 1's too.</summary>
internal sealed class ProvenanceFormatter : IMessagePackFormatter<Provenance?>
{
    public static readonly ProvenanceFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<ProvenanceField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, Provenance? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var present = Present.Mask(Present.NonEmpty(value.ForgeVersion), Present.NonEmpty(value.ForgeCommit), Present.NonEmpty(value.EnvironmentVersion),
            Present.NonEmpty(value.EnvironmentAssembly), Present.NonEmpty(value.EnvironmentAssemblyHash), value.Task is not null, value.Limits is not null,
            value.Sandbox is not null, value.Agent is not null, value.Worker is not null, value.Attempts is not null, value.Judge is not null);
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, present);
        if (keys.Next(ref writer, (int)ProvenanceField.ForgeVersion)) writer.Write(value.ForgeVersion);
        if (keys.Next(ref writer, (int)ProvenanceField.ForgeCommit)) writer.Write(value.ForgeCommit);
        if (keys.Next(ref writer, (int)ProvenanceField.EnvironmentVersion)) writer.Write(value.EnvironmentVersion);
        if (keys.Next(ref writer, (int)ProvenanceField.EnvironmentAssembly)) writer.Write(value.EnvironmentAssembly);
        if (keys.Next(ref writer, (int)ProvenanceField.EnvironmentAssemblyHash)) writer.Write(value.EnvironmentAssemblyHash);
        if (keys.Next(ref writer, (int)ProvenanceField.Task)) TaskProvenanceFormatter.Instance.Serialize(ref writer, value.Task, options);
        if (keys.Next(ref writer, (int)ProvenanceField.Limits)) EpisodeLimitsFormatter.Instance.Serialize(ref writer, value.Limits, options);
        if (keys.Next(ref writer, (int)ProvenanceField.Sandbox)) SandboxProvenanceFormatter.Instance.Serialize(ref writer, value.Sandbox, options);
        if (keys.Next(ref writer, (int)ProvenanceField.Agent)) AgentProvenanceFormatter.Instance.Serialize(ref writer, value.Agent, options);
        if (keys.Next(ref writer, (int)ProvenanceField.Worker)) writer.Write(value.Worker);
        if (keys.Next(ref writer, (int)ProvenanceField.Attempts)) Lists.WriteNullable(ref writer, value.Attempts);
        // Rare (judged episodes only): the judge is written by the type's own keyed-by-name formatter.
        if (keys.Next(ref writer, (int)ProvenanceField.Judge)) options.Resolver.GetFormatterWithVerify<JudgeProvenance?>().Serialize(ref writer, value.Judge, options);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Provenance? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        options.Security.DepthStep(ref reader);
        string forgeVersion = "", forgeCommit = "", environmentVersion = "", environmentAssembly = "", environmentAssemblyHash = "";
        TaskProvenance? task = null;
        EpisodeLimits? limits = null;
        SandboxProvenance? sandbox = null;
        AgentProvenance? agent = null;
        string? worker = null;
        int? attempts = null;
        JudgeProvenance? judge = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((ProvenanceField)Fields.Match(ref reader, i))
            {
                case ProvenanceField.ForgeVersion: forgeVersion = reader.ReadString() ?? ""; break;
                case ProvenanceField.ForgeCommit: forgeCommit = reader.ReadString() ?? ""; break;
                case ProvenanceField.EnvironmentVersion: environmentVersion = reader.ReadString() ?? ""; break;
                case ProvenanceField.EnvironmentAssembly: environmentAssembly = reader.ReadString() ?? ""; break;
                case ProvenanceField.EnvironmentAssemblyHash: environmentAssemblyHash = reader.ReadString() ?? ""; break;
                case ProvenanceField.Task: task = TaskProvenanceFormatter.Instance.Deserialize(ref reader, options); break;
                case ProvenanceField.Limits: limits = EpisodeLimitsFormatter.Instance.Deserialize(ref reader, options); break;
                case ProvenanceField.Sandbox: sandbox = SandboxProvenanceFormatter.Instance.Deserialize(ref reader, options); break;
                case ProvenanceField.Agent: agent = AgentProvenanceFormatter.Instance.Deserialize(ref reader, options); break;
                case ProvenanceField.Worker: worker = reader.ReadString(); break;
                case ProvenanceField.Attempts: attempts = Lists.ReadNullableInt(ref reader); break;
                case ProvenanceField.Judge: judge = options.Resolver.GetFormatterWithVerify<JudgeProvenance?>().Deserialize(ref reader, options); break;
                default: reader.Skip(); break;
            }
        }
        reader.Depth--;
        return new Provenance
        {
            ForgeVersion = forgeVersion, ForgeCommit = forgeCommit, EnvironmentVersion = environmentVersion, EnvironmentAssembly = environmentAssembly,
            EnvironmentAssemblyHash = environmentAssemblyHash, Task = task, Limits = limits, Sandbox = sandbox, Agent = agent, Worker = worker, Attempts = attempts,
            Judge = judge,
        };
    }
}

/// <summary>The stored members of <see cref="TaskProvenance"/>.</summary>
internal enum TaskProvenanceField { Source, File, Generator, GeneratorSeed, ContentHash }

/// <summary><see cref="TaskProvenance"/> in format 2's layout; reads format 1's too.</summary>
internal sealed class TaskProvenanceFormatter : IMessagePackFormatter<TaskProvenance?>
{
    public static readonly TaskProvenanceFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<TaskProvenanceField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, TaskProvenance? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var present = Present.Mask(Present.NonEmpty(value.Source), value.File is not null, value.Generator is not null, value.GeneratorSeed is not null,
            Present.NonEmpty(value.ContentHash));
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, present);
        if (keys.Next(ref writer, (int)TaskProvenanceField.Source)) writer.Write(value.Source);
        if (keys.Next(ref writer, (int)TaskProvenanceField.File)) writer.Write(value.File);
        if (keys.Next(ref writer, (int)TaskProvenanceField.Generator)) writer.Write(value.Generator);
        if (keys.Next(ref writer, (int)TaskProvenanceField.GeneratorSeed)) Lists.WriteNullable(ref writer, value.GeneratorSeed);
        if (keys.Next(ref writer, (int)TaskProvenanceField.ContentHash)) writer.Write(value.ContentHash);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TaskProvenance? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        string source = "", contentHash = "";
        string? file = null, generator = null;
        int? generatorSeed = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((TaskProvenanceField)Fields.Match(ref reader, i))
            {
                case TaskProvenanceField.Source: source = reader.ReadString() ?? ""; break;
                case TaskProvenanceField.File: file = reader.ReadString(); break;
                case TaskProvenanceField.Generator: generator = reader.ReadString(); break;
                case TaskProvenanceField.GeneratorSeed: generatorSeed = Lists.ReadNullableInt(ref reader); break;
                case TaskProvenanceField.ContentHash: contentHash = reader.ReadString() ?? ""; break;
                default: reader.Skip(); break;
            }
        }
        return new TaskProvenance { Source = source, File = file, Generator = generator, GeneratorSeed = generatorSeed, ContentHash = contentHash };
    }
}

/// <summary>The stored members of <see cref="EpisodeLimits"/>.</summary>
internal enum EpisodeLimitsField { MaxTurns, TurnTimeout, StepTimeout, ToolTimeout, EpisodeTimeout, MaxActionChars }

/// <summary>
/// <see cref="EpisodeLimits"/> in format 2's layout (every member written: their defaults are not zero, and a reader fills a missing
/// one with the default of the build that reads, as format 1 did); reads format 1's too. Times are ticks, as the generic formatter wrote them.
/// </summary>
internal sealed class EpisodeLimitsFormatter : IMessagePackFormatter<EpisodeLimits?>
{
    public static readonly EpisodeLimitsFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<EpisodeLimitsField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, EpisodeLimits? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, Fields.All);
        if (keys.Next(ref writer, (int)EpisodeLimitsField.MaxTurns)) writer.Write(value.MaxTurns);
        if (keys.Next(ref writer, (int)EpisodeLimitsField.TurnTimeout)) writer.Write(value.TurnTimeout.Ticks);
        if (keys.Next(ref writer, (int)EpisodeLimitsField.StepTimeout)) writer.Write(value.StepTimeout.Ticks);
        if (keys.Next(ref writer, (int)EpisodeLimitsField.ToolTimeout)) writer.Write(value.ToolTimeout.Ticks);
        if (keys.Next(ref writer, (int)EpisodeLimitsField.EpisodeTimeout)) writer.Write(value.EpisodeTimeout.Ticks);
        if (keys.Next(ref writer, (int)EpisodeLimitsField.MaxActionChars)) writer.Write(value.MaxActionChars);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EpisodeLimits? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        var d = EpisodeLimits.Default;
        var (maxTurns, turn, step, tool, episode, maxActionChars) = (d.MaxTurns, d.TurnTimeout, d.StepTimeout, d.ToolTimeout, d.EpisodeTimeout, d.MaxActionChars);
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((EpisodeLimitsField)Fields.Match(ref reader, i))
            {
                case EpisodeLimitsField.MaxTurns: maxTurns = reader.ReadInt32(); break;
                case EpisodeLimitsField.TurnTimeout: turn = new TimeSpan(reader.ReadInt64()); break;
                case EpisodeLimitsField.StepTimeout: step = new TimeSpan(reader.ReadInt64()); break;
                case EpisodeLimitsField.ToolTimeout: tool = new TimeSpan(reader.ReadInt64()); break;
                case EpisodeLimitsField.EpisodeTimeout: episode = new TimeSpan(reader.ReadInt64()); break;
                case EpisodeLimitsField.MaxActionChars: maxActionChars = reader.ReadInt32(); break;
                default: reader.Skip(); break;
            }
        }
        return new EpisodeLimits { MaxTurns = maxTurns, TurnTimeout = turn, StepTimeout = step, ToolTimeout = tool, EpisodeTimeout = episode, MaxActionChars = maxActionChars };
    }
}

/// <summary>The stored members of <see cref="SandboxProvenance"/>.</summary>
internal enum SandboxProvenanceField { Backend, Image, ImageId }

/// <summary><see cref="SandboxProvenance"/> in format 2's layout; reads format 1's too.</summary>
internal sealed class SandboxProvenanceFormatter : IMessagePackFormatter<SandboxProvenance?>
{
    public static readonly SandboxProvenanceFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<SandboxProvenanceField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, SandboxProvenance? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, Present.Mask(Present.NonEmpty(value.Backend), value.Image is not null, value.ImageId is not null));
        if (keys.Next(ref writer, (int)SandboxProvenanceField.Backend)) writer.Write(value.Backend);
        if (keys.Next(ref writer, (int)SandboxProvenanceField.Image)) writer.Write(value.Image);
        if (keys.Next(ref writer, (int)SandboxProvenanceField.ImageId)) writer.Write(value.ImageId);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public SandboxProvenance? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        string backend = "";
        string? image = null, imageId = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((SandboxProvenanceField)Fields.Match(ref reader, i))
            {
                case SandboxProvenanceField.Backend: backend = reader.ReadString() ?? ""; break;
                case SandboxProvenanceField.Image: image = reader.ReadString(); break;
                case SandboxProvenanceField.ImageId: imageId = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        return new SandboxProvenance { Backend = backend, Image = image, ImageId = imageId };
    }
}

/// <summary>The stored members of <see cref="AgentProvenance"/>.</summary>
internal enum AgentProvenanceField { Type, Model, EndpointHost, PolicyCheckpointHash, Details }

/// <summary><see cref="AgentProvenance"/> in format 2's layout; reads format 1's too.</summary>
internal sealed class AgentProvenanceFormatter : IMessagePackFormatter<AgentProvenance?>
{
    public static readonly AgentProvenanceFormatter Instance = new();

    internal static readonly FieldNames Fields = FieldNames.Of<AgentProvenanceField>();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(ref MessagePackWriter writer, AgentProvenance? value, MessagePackSerializerOptions options)
    {
        if (value is null) { writer.WriteNil(); return; }
        var present = Present.Mask(Present.NonEmpty(value.Type), value.Model is not null, value.EndpointHost is not null, value.PolicyCheckpointHash is not null,
            value.Details is not null);
        var keys = Fields.Start(ref writer, FieldLayout.Numbered, present);
        if (keys.Next(ref writer, (int)AgentProvenanceField.Type)) writer.Write(value.Type);
        if (keys.Next(ref writer, (int)AgentProvenanceField.Model)) writer.Write(value.Model);
        if (keys.Next(ref writer, (int)AgentProvenanceField.EndpointHost)) writer.Write(value.EndpointHost);
        if (keys.Next(ref writer, (int)AgentProvenanceField.PolicyCheckpointHash)) writer.Write(value.PolicyCheckpointHash);
        if (keys.Next(ref writer, (int)AgentProvenanceField.Details)) writer.Write(value.Details);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public AgentProvenance? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil()) return null;
        string type = "";
        string? model = null, endpointHost = null, policyCheckpointHash = null, details = null;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            switch ((AgentProvenanceField)Fields.Match(ref reader, i))
            {
                case AgentProvenanceField.Type: type = reader.ReadString() ?? ""; break;
                case AgentProvenanceField.Model: model = reader.ReadString(); break;
                case AgentProvenanceField.EndpointHost: endpointHost = reader.ReadString(); break;
                case AgentProvenanceField.PolicyCheckpointHash: policyCheckpointHash = reader.ReadString(); break;
                case AgentProvenanceField.Details: details = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        return new AgentProvenance { Type = type, Model = model, EndpointHost = endpointHost, PolicyCheckpointHash = policyCheckpointHash, Details = details };
    }
}
