using System.ComponentModel;
using System.Text.Json;
using Forge.Core;
using Microsoft.SemanticKernel;

namespace Forge.Core.Tests;

public sealed class ToolDispatcherTests
{
    private sealed class Tools
    {
        [KernelFunction, Description("Adds two integers.")]
        public int Add([Description("first")] int a, [Description("second")] int b) => a + b;

        [KernelFunction, Description("Echoes text, optionally repeated.")]
        public string Echo(string text, int times = 1) => string.Concat(Enumerable.Repeat(text, times));

        [KernelFunction, Description("Always fails.")]
        public string Explode() => throw new InvalidOperationException("boom");

        [KernelFunction, Description("Never returns.")]
        public async Task<string> Hang(CancellationToken cancellationToken) { await Task.Delay(Timeout.Infinite, cancellationToken); return ""; }

        [KernelFunction, Description("Sums a list.")]
        public int SumAll(List<int> values) => values.Sum();

        [KernelFunction, Description("Answers later.")]
        public async ValueTask<int> Later(int value)
        {
            await Task.Yield();
            return value + 1;
        }

        [KernelFunction, Description("Does nothing.")]
        public async Task Nothing() => await Task.Yield();

        public string NotATool() => "hidden";
    }

    /// <summary>Tools whose answers depend on the instance: a dispatcher must call its own target, though tools are described once per type.</summary>
    private sealed class Counter(string name)
    {
        private int _count;

        [KernelFunction, Description("Counts.")]
        public string Count() => $"{name}:{++_count}";
    }

    private sealed class Unsupplied
    {
        [KernelFunction, Description("Needs a service.")]
        public string Log(Kernel kernel) => kernel.ToString()!;
    }

    private static readonly ToolDispatcher Dispatcher = new(new Tools());

    private static ValueTask<Message> Call(string name, string json, double timeoutSeconds = 5) =>
        Dispatcher.InvokeAsync(new ToolCall("c1", name, json), TimeSpan.FromSeconds(timeoutSeconds), TimeProvider.System, CancellationToken.None);

    [Fact]
    public void Tools_OnlyKernelFunctions_SnakeCaseNamesWithSchemas()
    {
        Assert.Equal(["add", "echo", "explode", "hang", "later", "nothing", "sum_all"], Dispatcher.Tools.Select(t => t.Name).Order());
        var add = Dispatcher.Tools.Single(t => t.Name == "add");
        var schema = add.ParametersSchema;
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Equal("integer", schema.GetProperty("properties").GetProperty("a").GetProperty("type").GetString());
        Assert.Equal(["a", "b"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).Order());
        var echo = Dispatcher.Tools.Single(t => t.Name == "echo").ParametersSchema;
        Assert.Equal(["text"], echo.GetProperty("required").EnumerateArray().Select(e => e.GetString()!));
    }

    [Fact]
    public async Task InvokeAsync_ValidCall_ReturnsResult()
    {
        var m = await Call("add", """{"a": 2, "b": 40}""");
        Assert.False(m.IsError);
        Assert.Equal("42", m.Content);
        Assert.Equal("c1", m.ToolCallId);
        Assert.Equal("add", m.Name);
        Assert.Equal("6", (await Call("sum_all", """{"values": [1, 2, 3]}""")).Content);
        Assert.Equal("abab", (await Call("echo", """{"text": "ab", "times": 2}""")).Content);
        Assert.Equal("x", (await Call("echo", """{"text": "x"}""")).Content);
    }

    [Fact]
    public async Task InvokeAsync_AsynchronousTools_ReturnTheirValueOrNothing()
    {
        Assert.Equal("42", (await Call("later", """{"value": 41}""")).Content);
        var nothing = await Call("nothing", "");
        Assert.False(nothing.IsError);
        Assert.Equal("", nothing.Content);
    }

    [Fact]
    public async Task InvokeAsync_TwoInstancesOfOneType_EachCallReachesItsOwnInstance()
    {
        var a = new ToolDispatcher(new Counter("a"));
        var b = new ToolDispatcher(new Counter("b"));
        var call = new ToolCall("c", "count", "{}");

        Assert.Equal("a:1", (await a.InvokeAsync(call, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None)).Content);
        Assert.Equal("a:2", (await a.InvokeAsync(call, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None)).Content);
        Assert.Equal("b:1", (await b.InvokeAsync(call, TimeSpan.FromSeconds(5), TimeProvider.System, CancellationToken.None)).Content);
        Assert.Same(a.Tools, b.Tools);
    }

    [Fact]
    public void Constructor_ToolParameterAnAgentCannotSupply_ThrowsNamingIt()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new ToolDispatcher(new Unsupplied()));
        Assert.Contains("tool 'log' has the parameter 'kernel' of type Kernel", e.Message);
    }

    [Theory]
    [InlineData("nope", "{}", "unknown tool 'nope'")]
    [InlineData("add", """{"a": null, "b": 2}""", "argument 'a' of 'add' is invalid: expected an integer, got null")]
    [InlineData("add", "{not json", "not a valid JSON object")]
    [InlineData("add", "[1,2]", "expected an object")]
    [InlineData("add", """{"a": 1}""", "needs the argument 'b'")]
    [InlineData("add", """{"a": "one", "b": 2}""", "argument 'a' of 'add' is invalid")]
    [InlineData("add", """{"a": 1, "b": 2, "c": 3}""", "argument 'c' of 'add' is invalid")]
    [InlineData("explode", "{}", "InvalidOperationException: boom")]
    [InlineData("NotATool", "{}", "unknown tool")]
    public async Task InvokeAsync_BadCall_ReturnsToolError(string name, string json, string expected)
    {
        var m = await Call(name, json);
        Assert.True(m.IsError);
        Assert.Equal(Role.Tool, m.Role);
        Assert.Contains(expected, m.Content);
    }

    [Fact]
    public async Task InvokeAsync_ToolOverrunsDeadline_ReturnsTimeoutError()
    {
        var m = await Call("hang", "{}", timeoutSeconds: 0.2);
        Assert.True(m.IsError);
        Assert.Contains("did not finish within 0.2 s", m.Content);
    }

    [Fact]
    public void ToSnakeCase_ConvertsPascalCase()
    {
        Assert.Equal("run_python", ToolDispatcher.ToSnakeCase("RunPython"));
        Assert.Equal("lookup_order_id", ToolDispatcher.ToSnakeCase("LookupOrderId"));
        Assert.Equal("already_snake", ToolDispatcher.ToSnakeCase("already_snake"));
        Assert.Equal("parse_json", ToolDispatcher.ToSnakeCase("ParseJSON".Replace("JSON", "Json")));
    }
}
