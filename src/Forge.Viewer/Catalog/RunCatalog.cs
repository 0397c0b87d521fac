using System.Diagnostics;
using Forge.Host.Recording.Index;

namespace Forge.Viewer.Catalog;

/// <summary>A trajectory log found under the viewer's path.</summary>
/// <param name="Id">Its path relative to the viewer's path, with '/' separators: how pages name it.</param>
/// <param name="Path">Its full path.</param>
internal sealed record LogEntry(string Id, string Path);

/// <summary>A run folder: its trajectory logs and, for a training run, its metrics and checkpoints.</summary>
/// <param name="Id">The folder relative to the viewer's path ('.' for the path itself).</param>
/// <param name="Folder">Its full path.</param>
/// <param name="Logs">The <c>*.forge</c> files in it.</param>
/// <param name="MetricsPath">Its <c>metrics.csv</c>, when it is a training run.</param>
/// <param name="CheckpointsPath">Its <c>checkpoints</c> folder, when it has one.</param>
internal sealed record RunEntry(string Id, string Folder, IReadOnlyList<LogEntry> Logs, string? MetricsPath, string? CheckpointsPath);

/// <summary>A log as the viewer holds it: its index, or why it could not be opened, and how long opening took.</summary>
internal sealed record OpenedLog(LogEntry Log, TrajectoryIndex? Index, string? Error, double OpenMilliseconds);

/// <summary>
/// The runs and logs under the viewer's path (a log, a run folder, or a folder of runs), found afresh on every call so new
/// runs and forks show up, and each log's index opened once and kept until the log grows.
/// </summary>
internal sealed class RunCatalog : IDisposable
{
    private const int MaxDepth = 4;
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { "checkpoints", "tensorboard", "node_modules", "bin", "obj" };
    private readonly string _root;
    private readonly bool _rootIsFile;
    private readonly string _base;   // ids are relative to this folder: the path, or the folder of a log given alone
    private readonly Dictionary<string, OpenedLog> _open = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public RunCatalog(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _root = System.IO.Path.GetFullPath(path);
        _base = _root;
        if (File.Exists(_root)) (_rootIsFile, _base) = (true, System.IO.Path.GetDirectoryName(_root)!);
        else if (!Directory.Exists(_root)) throw new FileNotFoundException($"{path} does not exist: give a trajectory log, a run folder or a folder of runs.", path);
    }

    /// <summary>The viewer's path.</summary>
    public string Root => _root;

    /// <summary>Every run under the path, in folder order.</summary>
    public IReadOnlyList<RunEntry> Runs()
    {
        var runs = new List<RunEntry>();
        if (_rootIsFile)
        {
            // One log, and the reruns and forks the viewer recorded next to it.
            runs.Add(new RunEntry(".", _base, [new LogEntry(Relative(_root), _root)], null, null));
            foreach (var actions in new[] { "reruns", "forks" })
                if (Directory.Exists(System.IO.Path.Combine(_base, actions))) Walk(System.IO.Path.Combine(_base, actions), MaxDepth, runs);
            return runs;
        }
        Walk(_root, 0, runs);
        return runs;
    }

    /// <summary>The log <paramref name="id"/> with its index (opened now, or again when the log has grown since).</summary>
    public OpenedLog Open(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_gate)
        {
            // A log that failed to open is tried again each time (it fails fast, at its header); an index is kept until its log grows.
            if (_open.TryGetValue(id, out var opened) && opened.Index is { IsStale: false }) return opened;
            var log = Runs().SelectMany(r => r.Logs).FirstOrDefault(l => l.Id == id)
                ?? throw new KeyNotFoundException($"There is no trajectory log `{id}` under {_root}.");
            opened?.Index?.Dispose();
            var clock = Stopwatch.StartNew();
            try
            {
                var index = TrajectoryIndex.Open(log.Path);
                opened = new OpenedLog(log, index, null, clock.Elapsed.TotalMilliseconds);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                opened = new OpenedLog(log, null, e.Message, clock.Elapsed.TotalMilliseconds);
            }
            _open[id] = opened;
            return opened;
        }
    }

    /// <summary>Where the episode <paramref name="episodeId"/> is recorded (the first log that has it, in run order), or null.</summary>
    public (string Log, int Ordinal)? Find(string episodeId)
    {
        foreach (var log in Runs().SelectMany(r => r.Logs))
            if (Open(log.Id).Index?.Find(episodeId) is { } summary) return (log.Id, summary.Ordinal);
        return null;
    }

    /// <summary>Forgets every opened index and closes the logs.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var opened in _open.Values) opened.Index?.Dispose();
            _open.Clear();
        }
    }

    private void Walk(string folder, int depth, List<RunEntry> runs)
    {
        IEnumerable<string> files, folders;
        try
        {
            files = Directory.EnumerateFiles(folder, "*.forge").Order(StringComparer.Ordinal).ToList();
            folders = Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        var metrics = System.IO.Path.Combine(folder, "metrics.csv");
        var checkpoints = System.IO.Path.Combine(folder, "checkpoints");
        var logs = files.Select(f => new LogEntry(Relative(f), f)).ToList();
        var hasMetrics = File.Exists(metrics);
        if (logs.Count > 0 || hasMetrics)
            runs.Add(new RunEntry(Relative(folder), folder, logs, hasMetrics ? metrics : null, Directory.Exists(checkpoints) ? checkpoints : null));
        if (depth >= MaxDepth) return;
        foreach (var sub in folders)
        {
            var name = System.IO.Path.GetFileName(sub);
            if (name.StartsWith('.') || SkippedFolders.Contains(name)) continue;
            Walk(sub, depth + 1, runs);
        }
    }

    private string Relative(string path)
    {
        var relative = System.IO.Path.GetRelativePath(_base, path).Replace('\\', '/');
        return relative.Length == 0 ? "." : relative;
    }
}
