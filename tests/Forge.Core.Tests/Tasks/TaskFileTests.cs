using Forge.Core;

namespace Forge.Core.Tests.Tasks;

public sealed class TaskFileTests : IDisposable
{
    private sealed record QTask(string Id, string Question, double Answer) : IEnvironmentTask;

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"forge-tasks-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Read_ValidFile_ReadsSnakeCaseSkippingBlanksAndComments()
    {
        File.WriteAllText(_path, "// two tasks\n{\"id\":\"a\",\"question\":\"1+1\",\"answer\":2}\n\n{\"id\":\"b\",\"question\":\"2+2\",\"answer\":4}\n");
        var tasks = TaskFile.Read<QTask>(_path);
        Assert.Equal([new QTask("a", "1+1", 2), new QTask("b", "2+2", 4)], tasks);
    }

    [Fact]
    public void Read_BadLines_ReportsEveryProblemWithLineNumbers()
    {
        File.WriteAllText(_path, "{\"id\":\"a\",\"question\":\"q\",\"answer\":1}\n{broken\n{\"id\":\"a\",\"question\":\"q\",\"answer\":1}\n{\"question\":\"q\",\"answer\":1}\n");
        var e = Assert.Throws<FormatException>(() => TaskFile.Read<QTask>(_path));
        Assert.Contains($"{_path}:2:", e.Message);
        Assert.Contains($"{_path}:3: the id 'a' is used twice", e.Message);
        Assert.Contains($"{_path}:4:", e.Message);
    }

    [Fact]
    public void Read_MissingFile_NamesIt() =>
        Assert.Contains("doesn't exist", Assert.Throws<FileNotFoundException>(() => TaskFile.Read<QTask>(_path + ".nope")).Message);
}
