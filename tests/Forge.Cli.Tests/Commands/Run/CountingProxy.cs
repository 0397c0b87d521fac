using Forge.Cli.Tests.Commands.Serve;

namespace Forge.Cli.Tests.Commands.Run;

/// <summary>A loopback HTTP proxy to an upstream server that counts the chat completions passing through it and keeps their <c>Authorization</c> headers.</summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private readonly System.Net.HttpListener _listener = new();
    private readonly HttpClient _http;
    private readonly Task _loop;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _authorizations = new();
    private int _chatCompletions;

    public CountingProxy(string upstream)
    {
        _http = new HttpClient { BaseAddress = new Uri(upstream) };
        Port = LoopbackPort.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public int ChatCompletions => Volatile.Read(ref _chatCompletions);

    /// <summary>The <c>Authorization</c> header of each chat completion so far, in arrival order ("" when it had none).</summary>
    public IReadOnlyList<string> Authorizations => [.. _authorizations];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            System.Net.HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is System.Net.HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => ForwardAsync(context));
        }
    }

    private async Task ForwardAsync(System.Net.HttpListenerContext context)
    {
        var path = context.Request.Url!.PathAndQuery.TrimStart('/');
        if (path.EndsWith("chat/completions", StringComparison.Ordinal))
        {
            _authorizations.Enqueue(context.Request.Headers["Authorization"] ?? "");
            Interlocked.Increment(ref _chatCompletions);
        }
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), path);
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(body.ToArray());
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/json");
        }
        try
        {
            using var response = await _http.SendAsync(request);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(context.Response.OutputStream);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = 502;
        }
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        _http.Dispose();
    }
}
