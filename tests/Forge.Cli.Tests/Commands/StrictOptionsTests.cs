namespace Forge.Cli.Tests.Commands;

/// <summary>An unknown option is an error for every command: exit 2 and one line with the closest option of that command.</summary>
public sealed class StrictOptionsTests
{
    [Fact]
    public async Task Replay_UnknownFlag_ExitsTwoInsteadOfRunning()
    {
        var (code, stdout, stderr) = await ForgeProcess.RunAsync(ForgeProcess.RepositoryRoot, "replay", "no-such.forge", "--bogus-flag");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("forge: Unknown option 'bogus-flag'. Options: --agent, --env, --episode, --fork-at, --help, --index, --json, --out, --registry, --rerun, --rerun-all, --samples, --sandbox, --task-seed.", stderr.Trim());
    }

    [Fact]
    public async Task EnvsCheck_MistypedFlag_SaysDidYouMean()
    {
        var (code, _, stderr) = await ForgeProcess.RunAsync(ForgeProcess.RepositoryRoot, "envs", "check", "math/arithmetic", "--jsn");

        Assert.Equal(2, code);
        Assert.Equal("forge: Unknown option 'jsn'. Did you mean --json?", stderr.Trim());
    }

    [Theory]
    [InlineData(new[] { "envs", "check", "game/vault" }, "--registry")]
    [InlineData(new[] { "replay", "x.forge" }, "--episode")]
    [InlineData(new[] { "bench", "host" }, "--json")]
    [InlineData(new[] { "sandbox", "run" }, "--backend")]
    public void OptionsOf_ACommandsWords_FindsItsSettings(string[] args, string option) =>
        Assert.Contains(option, UnknownOptions.OptionsOf(args));

    [Fact]
    public void Explain_OtherParseErrors_AreLeftAsTheyAre() =>
        Assert.Equal("Unknown command 'x'.", UnknownOptions.Explain("Unknown command 'x'.", ["x"]));
}
