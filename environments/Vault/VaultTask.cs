namespace Forge.Environments.Vault;

/// <summary>Open one vault: <paramref name="Key"/> names it (<c>K0</c>…<c>K15</c>); at <paramref name="Level"/> 2 its note points to another vault first.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Key">The vault to open.</param>
/// <param name="Level">1: the vault holds the code word; 2: it holds "see Kn" and vault Kn holds the word.</param>
public sealed record VaultTask(string Id, string Key, int Level = 1) : IEnvironmentTask;
