using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Forge.Core;
using Forge.Sandbox.Docker;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Testing;
using Polly.Timeout;

namespace Forge.Sandbox.Tests.Docker;

public sealed class DockerResilienceTests
{
    private static readonly Uri Nowhere = new("unix:///var/run/forge-test-no-such-engine.sock");

    private static readonly DockerResilienceOptions Instant = new()
    {
        MaxRetries = 3,
        BaseDelay = TimeSpan.Zero,
        CallTimeout = TimeSpan.FromSeconds(30),
        FailureRatio = 0.5,
        MinimumThroughput = 4,
        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void Create_Always_ComposesBreakerRetryTimeoutInThatOrder()
    {
        var descriptor = DockerResilience.Create(new DockerResilienceOptions()).GetPipelineDescriptor();

        Assert.Collection(descriptor.Strategies,
            s => Assert.IsType<CircuitBreakerStrategyOptions>(s.Options),
            s => Assert.IsType<RetryStrategyOptions>(s.Options),
            s => Assert.IsType<TimeoutStrategyOptions>(s.Options));
        var retry = (RetryStrategyOptions)descriptor.Strategies[1].Options!;
        Assert.True(retry.UseJitter);
        Assert.Equal(Polly.DelayBackoffType.Exponential, retry.BackoffType);
        Assert.Equal(TimeSpan.FromSeconds(30), ((TimeoutStrategyOptions)descriptor.Strategies[2].Options!).Timeout);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.Conflict, false)]
    public void IsTransient_DockerApiStatus_RetriesOnlyServerErrors(HttpStatusCode status, bool transient) =>
        Assert.Equal(transient, DockerResilience.IsTransient(new DockerApiException(status, "{}")));

    [Fact]
    public async Task CallAsync_TwoTransientFailuresThenSuccess_RetriesAndReturns()
    {
        using var engine = new DockerEngine(Nowhere, Instant);
        var calls = 0;

        var result = await engine.CallAsync("probe", (_, _) => ++calls < 3
            ? throw new DockerApiException(HttpStatusCode.InternalServerError, "{\"message\":\"busy\"}")
            : Task.FromResult("ok"), CancellationToken.None);

        Assert.Equal("ok", result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task CallAsync_ClientError_FailsAtOnceNamingWhatFailed()
    {
        using var engine = new DockerEngine(Nowhere, Instant);
        var calls = 0;

        var error = await Assert.ThrowsAsync<SandboxException>(() => engine.CallAsync<string>("create container", (_, _) =>
        {
            calls++;
            throw new DockerApiException(HttpStatusCode.Conflict, "{\"message\":\"name in use\"}");
        }, CancellationToken.None));

        Assert.Equal(1, calls);
        Assert.Equal("Docker engine: create container failed (409): name in use", error.Message);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task CallAsync_RefusedEveryTime_GivesUpWithTheNotReachableMessage()
    {
        using var engine = new DockerEngine(Nowhere, Instant);
        var calls = 0;

        var error = await Assert.ThrowsAsync<SandboxException>(() => engine.CallAsync<string>("ping", (_, _) =>
        {
            calls++;
            throw new HttpRequestException("connect failed", new SocketException((int)SocketError.ConnectionRefused));
        }, CancellationToken.None));

        Assert.Equal(1 + Instant.MaxRetries, calls);
        Assert.Equal("Docker engine not reachable at unix:///var/run/forge-test-no-such-engine.sock; start it or use the local sandbox (--backend local)", error.Message);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task CallAsync_EngineDown_BreakerOpensThenFailsFastUntilBreakDurationPasses()
    {
        var time = new FakeTimeProvider();
        using var engine = new DockerEngine(Nowhere, Instant with { MaxRetries = 0 }, time);
        var calls = 0;
        var engineUp = false;
        Task<string> Call() => engine.CallAsync("ping", (_, _) =>
        {
            calls++;
            return engineUp ? Task.FromResult("up") : throw new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused));
        }, CancellationToken.None);

        for (var i = 0; i < Instant.MinimumThroughput; i++) await Assert.ThrowsAsync<SandboxException>(Call);
        Assert.Equal(Instant.MinimumThroughput, calls);

        engineUp = true;
        var fastFailure = await Assert.ThrowsAsync<SandboxException>(Call);
        Assert.Equal(Instant.MinimumThroughput, calls); // the breaker answered without calling the engine
        Assert.IsType<BrokenCircuitException>(fastFailure.InnerException);
        Assert.StartsWith("Docker engine not reachable at", fastFailure.Message);

        time.Advance(Instant.BreakDuration + TimeSpan.FromMilliseconds(1));
        Assert.Equal("up", await Call());
        Assert.Equal(Instant.MinimumThroughput + 1, calls);
    }

    [Fact]
    public async Task CallAsync_EngineHangs_TimesOutPerCallAndReportsNotReachable()
    {
        var time = new FakeTimeProvider();
        using var engine = new DockerEngine(Nowhere, Instant with { MaxRetries = 0, CallTimeout = TimeSpan.FromSeconds(2) }, time);

        var call = engine.CallAsync("ping", async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return "never"; }, CancellationToken.None);
        while (!call.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(1);
        }

        var error = await Assert.ThrowsAsync<SandboxException>(() => call);
        Assert.IsType<TimeoutRejectedException>(error.InnerException);
        Assert.StartsWith("Docker engine not reachable at", error.Message);
    }

    [Fact]
    public async Task CallAsync_CallerCancels_ThrowsOperationCanceled()
    {
        using var engine = new DockerEngine(Nowhere, Instant);
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            engine.CallAsync("ping", (_, ct) => Task.FromResult(ct.IsCancellationRequested ? throw new OperationCanceledException(ct) : 1), cancel.Token));
    }

    [Fact]
    public async Task AcquireAsync_NoEngineAtEndpoint_ThrowsNotReachableNamingTheEndpoint()
    {
        await using var provider = new DockerSandboxProvider(SandboxOptions.Default with { Backend = "docker", PoolSize = 0 },
            new DockerSandboxSettings { Endpoint = Nowhere }, Instant, logger: null);

        var error = await Assert.ThrowsAsync<SandboxException>(async () => await provider.AcquireAsync());

        Assert.Equal("Docker engine not reachable at unix:///var/run/forge-test-no-such-engine.sock; start it or use the local sandbox (--backend local)", error.Message);
    }
}
