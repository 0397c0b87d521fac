namespace Forge.Cluster.Workers;

/// <summary>
/// Under localhost clustering, a lock file per primary port held while a worker picks its ports and starts listening:
/// several workers started at once with the same command then agree on one primary. No lock for other membership.
/// </summary>
internal static class LocalhostStartLock
{
    public static async Task<IDisposable?> TakeAsync(ClusterOptions options, CancellationToken cancellationToken)
    {
        if (options.Membership != Membership.Localhost) return null;
        var path = Path.Combine(Path.GetTempPath(), $"forge-localhost-{options.PrimarySiloPort}.lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);   // the file stays: deleting it would let two workers lock two files
            }
            catch (IOException)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
