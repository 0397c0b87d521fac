using Forge.Core;
using Forge.Sandbox;
using Microsoft.Extensions.Logging;

namespace Forge.Host.Replay;

/// <summary>
/// The sandbox providers replay needs: one per backend and image the recorded episodes ran in (or the one
/// <see cref="Backend"/> names instead), made on first use and removed, with every sandbox they made, on dispose.
/// </summary>
public sealed class ReplaySandboxes(string? backend = null, ILogger? logger = null) : IAsyncDisposable
{
    private readonly Dictionary<(string, string?), ISandboxProvider> _providers = [];
    private readonly Lock _lock = new();

    /// <summary>The backend every rerun uses instead of the recorded one; null: the recorded one.</summary>
    public string? Backend => backend;

    /// <summary>
    /// The provider for <paramref name="setup"/>'s sandbox; null when its environment needs none. Throws <see cref="ReplayException"/>
    /// when the backend can't run here, saying why.
    /// </summary>
    public ISandboxProvider? For(ReplaySetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.Sandbox is not { } options) return null;
        if (backend is not null && backend != options.Backend)
            options = options with { Backend = backend, Image = backend == "docker" ? options.Image : null };
        // No warm pool: a rerun needs one sandbox at a time.
        options = options with { PoolSize = 0 };
        lock (_lock)
        {
            if (_providers.TryGetValue((options.Backend, options.Image), out var existing)) return existing;
            try
            {
                var provider = SandboxProviders.Create(options, logger);
                _providers[(options.Backend, options.Image)] = provider;
                return provider;
            }
            catch (SandboxException e)
            {
                throw new ReplayException($"the {options.Backend} sandbox it ran in can't run here: {e.Message}", e);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        List<ISandboxProvider> providers;
        lock (_lock)
        {
            providers = [.. _providers.Values];
            _providers.Clear();
        }
        foreach (var provider in providers) await provider.DisposeAsync().ConfigureAwait(false);
    }
}
