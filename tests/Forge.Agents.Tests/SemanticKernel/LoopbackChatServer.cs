using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Forge.Agents.Tests.SemanticKernel;

/// <summary>
/// A minimal OpenAI-compatible chat-completion server on 127.0.0.1: it answers each POST with the next canned JSON body
/// (one connection per request) and keeps every request body it received.
/// </summary>
internal sealed class LoopbackChatServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Queue<string> _responses;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public List<(string Path, string Authorization, string Body)> Requests { get; } = [];

    public Uri Endpoint { get; }

    public LoopbackChatServer(params string[] responses)
    {
        _responses = new Queue<string>(responses);
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1");
        _loop = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            using (client)
            {
                var stream = client.GetStream();
                var (path, authorization, body) = await ReadRequestAsync(stream);
                string response;
                lock (Requests)
                {
                    Requests.Add((path, authorization, body));
                    response = _responses.Count > 0 ? _responses.Dequeue() : """{"error":{"message":"no more canned responses"}}""";
                }
                var payload = Encoding.UTF8.GetBytes(response);
                var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                await stream.WriteAsync(payload);
            }
        }
    }

    private static async Task<(string Path, string Authorization, string Body)> ReadRequestAsync(NetworkStream stream)
    {
        var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        var requestLine = await reader.ReadLineAsync() ?? "";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var line = await reader.ReadLineAsync(); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync())
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        var body = new StringBuilder();
        if (headers.TryGetValue("Content-Length", out var length))
        {
            var buffer = new char[int.Parse(length)];
            var read = 0;
            // Content-Length counts bytes; the bodies here are ASCII JSON, so characters and bytes agree.
            while (read < buffer.Length) read += await reader.ReadAsync(buffer.AsMemory(read));
            body.Append(buffer);
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var size = Convert.ToInt32((await reader.ReadLineAsync() ?? "0").Split(';')[0], 16);
                if (size == 0) { await reader.ReadLineAsync(); break; }
                var chunk = new char[size];
                var read = 0;
                while (read < size) read += await reader.ReadAsync(chunk.AsMemory(read));
                body.Append(chunk);
                await reader.ReadLineAsync();
            }
        }
        return (requestLine.Split(' ')[1], headers.GetValueOrDefault("Authorization", ""), body.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
