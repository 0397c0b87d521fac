namespace Forge.Reference.Tests.LlamaCpp;

/// <summary>Tests that run llama.cpp share its process-wide log callback: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LlamaCppCollection
{
    public const string Name = "llama.cpp";
}
