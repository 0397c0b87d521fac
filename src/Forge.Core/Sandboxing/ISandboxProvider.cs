namespace Forge.Core;

/// <summary>Hands out sandboxes, one per episode (from a warm pool where the backend has one).</summary>
public interface ISandboxProvider : IAsyncDisposable
{
    /// <summary>The backend's name (<c>local</c>, <c>docker</c>).</summary>
    string Backend { get; }

    /// <summary>What isolation the sandboxes of this provider get on this machine; the host states it at start-up.</summary>
    SandboxIsolation Isolation => SandboxIsolation.Unknown(Backend);

    /// <summary>What a trajectory records of the sandboxes this provider makes: the backend and, where there is one, the image and its id.</summary>
    SandboxProvenance Provenance => new() { Backend = Backend };

    /// <summary>A fresh sandbox for one episode; the caller disposes it when the episode ends.</summary>
    ValueTask<ISandbox> AcquireAsync(CancellationToken cancellationToken = default);
}
