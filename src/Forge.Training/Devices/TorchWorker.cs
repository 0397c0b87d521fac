using System.Collections.Concurrent;
using TorchSharp;

namespace Forge.Training.Devices;

/// <summary>
/// A thread of its own for one side of a training loop — the generator or the learner — that runs libtorch with a set
/// number of intra-op threads. libtorch sizes each OpenMP team by the calling thread's own setting, so work run on
/// thread-pool threads gets whatever setting each pool thread happened to start with; two sides running at the same time
/// (async rollouts), each on its worker with half the cores, share the cores instead of oversubscribing them.
/// </summary>
internal sealed class TorchWorker : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    /// <summary>Starts the thread; everything it runs uses <paramref name="intraOpThreads"/> threads inside each libtorch op.</summary>
    public TorchWorker(string name, int intraOpThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        IntraOpThreads = intraOpThreads;
        _thread = new Thread(() =>
        {
            // A thread's first libtorch call sets its count from the process-wide one (which another worker may be
            // changing): make that call first, then set this thread's own.
            _ = torch.get_num_threads();
            torch.set_num_threads(intraOpThreads);
            foreach (var work in _work.GetConsumingEnumerable()) work();
        }) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The intra-op threads of the work run here.</summary>
    public int IntraOpThreads { get; }

    /// <summary>The process's intra-op thread count as the calling thread sees it (the cores, or <c>--threads</c>).</summary>
    public static int DefaultThreads => torch.get_num_threads();

    /// <summary>Runs <paramref name="work"/> on the worker's thread, after what was queued before it.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try { done.SetResult(work()); }
            catch (Exception e) { done.SetException(e); }
        });
        return done.Task;
    }

    /// <summary>Lets queued work finish, then ends the thread.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
