using System.Globalization;

namespace Forge.Viewer.Training;

/// <summary>A training run's <c>metrics.csv</c>: the header and each row's values (numbers, text, or null for empty cells).</summary>
internal sealed record MetricsTable(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object?>> Rows);

/// <summary>One saved checkpoint: its folder name, size and when it was written.</summary>
internal sealed record CheckpointView(string Name, int Files, long Bytes, DateTimeOffset Written);

/// <summary>What the training page shows: the metrics curves' data and the checkpoints.</summary>
internal sealed record TrainingRunView(string Run, MetricsTable? Metrics, string? MetricsError, IReadOnlyList<CheckpointView> Checkpoints)
{
    /// <summary>Reads <paramref name="metricsPath"/> and lists <paramref name="checkpointsPath"/>; a malformed CSV is reported, not thrown.</summary>
    public static TrainingRunView Load(string run, string? metricsPath, string? checkpointsPath)
    {
        MetricsTable? metrics = null;
        string? error = null;
        if (metricsPath is not null)
        {
            try { metrics = ReadCsv(metricsPath); }
            catch (Exception e) when (e is IOException or FormatException) { error = e.Message; }
        }
        var checkpoints = checkpointsPath is null || !Directory.Exists(checkpointsPath) ? [] :
            new DirectoryInfo(checkpointsPath).EnumerateDirectories().OrderBy(d => d.Name, StringComparer.Ordinal).Select(d =>
            {
                var files = d.EnumerateFiles("*", SearchOption.AllDirectories).ToList();
                return new CheckpointView(d.Name, files.Count, files.Sum(f => f.Length), new DateTimeOffset(d.LastWriteTimeUtc, TimeSpan.Zero));
            }).ToList();
        return new TrainingRunView(run, metrics, error, checkpoints);
    }

    private static MetricsTable ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new FormatException($"{path} is empty: it has no header row.");
        var columns = lines[0].Split(',');
        var rows = new List<IReadOnlyList<object?>>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var cells = lines[i].Split(',');
            if (cells.Length != columns.Length)
                throw new FormatException($"{path} line {i + 1}: {cells.Length} cells, the header has {columns.Length}.");
            rows.Add([.. cells.Select(c => c.Length == 0 ? null
                : double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? (object)d : c)]);
        }
        return new MetricsTable(columns, rows);
    }
}
