using Forge.Sandbox.Local;

namespace Forge.Sandbox.Tests.Local;

public sealed class WorkspaceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("forge-workspace-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("a.txt", "a.txt")]
    [InlineData("dir/b.txt", "dir/b.txt")]
    [InlineData("./c.txt", "c.txt")]
    [InlineData("/workspace/d.txt", "d.txt")]
    [InlineData("x/../e.txt", "e.txt")]
    public void Resolve_PathInside_GivesTheHostPath(string relative, string expected) =>
        Assert.Equal(Path.Combine(_root, expected), Workspace.Resolve(_root, relative));

    [Theory]
    [InlineData("../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../escape")]
    [InlineData("..")]
    public void Resolve_PathOutside_IsRefused(string relative) =>
        Assert.Throws<ArgumentException>(() => Workspace.Resolve(_root, relative));

    [Fact]
    public void Resolve_ThroughALink_IsRefused_EvenADanglingOne()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "etc"), "/etc");
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), "/nonexistent/target");
        Assert.Contains("symbolic link", Assert.Throws<ArgumentException>(() => Workspace.Resolve(_root, "etc/passwd")).Message);
        Assert.Throws<ArgumentException>(() => Workspace.Resolve(_root, "dangling"));
    }

    [Fact]
    public void Delete_FoldersTheCodeMadeUnwritable_AreRemoved()
    {
        var sandbox = Path.Combine(_root, "sbx");
        var locked = Path.Combine(sandbox, "locked");
        Directory.CreateDirectory(locked);
        File.WriteAllText(Path.Combine(locked, "f"), "x");
        Workspace.SetMode(locked, UnixFileMode.UserRead);
        Workspace.Delete(sandbox);
        Assert.False(Directory.Exists(sandbox));
    }
}
