using System.Text.RegularExpressions;

namespace Forge.Cli.Tests.Commands.Help;

/// <summary>
/// Every command's <c>--help</c> renders: descriptions go through the console's markup, where an unescaped
/// <c>[--flag]</c> is read as a style name and the help fails with an exception instead of printing.
/// </summary>
public sealed partial class HelpTests
{
    [GeneratedRegex(@"^\s{4}(?<name>[a-z][a-z0-9-]*)\s", RegexOptions.Multiline)]
    private static partial Regex CommandLine();

    private static IEnumerable<string> Commands(string help)
    {
        var section = help.IndexOf("COMMANDS:", StringComparison.Ordinal);
        return section < 0 ? [] : CommandLine().Matches(help[section..]).Select(m => m.Groups["name"].Value).Distinct();
    }

    [Fact]
    public async Task Help_OfEveryCommandAndBranch_Renders()
    {
        var root = ForgeProcess.RepositoryRoot;
        var (exit, stdout, stderr) = await ForgeProcess.RunAsync(root, "--help");
        Assert.True(exit == 0, stderr);
        var commands = Commands(stdout).ToList();
        Assert.Contains("run", commands);
        Assert.Contains("bench", commands);

        var failures = new List<string>();
        var visited = new List<string>();
        var pending = new Queue<string[]>(commands.Select(c => new[] { c }));
        using var slots = new SemaphoreSlim(4);
        while (pending.Count > 0)
        {
            var batch = new List<string[]>();
            while (pending.Count > 0) batch.Add(pending.Dequeue());
            var results = await Task.WhenAll(batch.Select(async path =>
            {
                await slots.WaitAsync();
                try { return (Path: path, Result: await ForgeProcess.RunAsync(root, [.. path, "--help"])); }
                finally { slots.Release(); }
            }));
            foreach (var (path, (code, output, error)) in results)
            {
                visited.Add(string.Join(' ', path));
                var exception = (output + error).Split('\n').FirstOrDefault(l => l.Contains("Exception", StringComparison.Ordinal));
                if (code != 0 || exception is not null)
                    failures.Add($"forge {string.Join(' ', path)} --help: exit {code}: {exception ?? error}");
                else if (path.Length == 1)
                    foreach (var sub in Commands(output)) pending.Enqueue([.. path, sub]);   // a branch: its commands too
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Contains("bench rl", visited);         // branches were walked into
        Assert.Contains("model logits", visited);
    }
}
