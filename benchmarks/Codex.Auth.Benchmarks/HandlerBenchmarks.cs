using BenchmarkDotNet.Attributes;
using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Identity.Web;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// One request through <c>HttpMessageInvoker → auth handler → NoRemoteCallHandler</c>: only the handler chain is
/// measured. Each case reuses one request, as a retry loop would; the handler under test replaces the headers.
/// </summary>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    private readonly List<IDisposable> _disposables = [];
    private Invocation _floorAuthorization = null!;
    private Invocation _floorAuthorizationChecked = null!;
    private Invocation _floorThreeHeaders = null!;
    private Invocation _floorAgent = null!;
    private Invocation _apiKey = null!;
    private Invocation _chatGptCached = null!;
    private Invocation _chatGptRefreshInFlight = null!;
    private Invocation _agentSameSecond = null!;
    private Invocation _agentSameSecondSystemClock = null!;
    private Invocation _kiota = null!;
    private Invocation _identityWeb = null!;
    private NeverRespondingHandler _neverResponding = null!;

    [GlobalSetup]
    public void Setup()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;

        // ChatGPT, cached: exp a year away.
        var cachedProvider = Own(new ChatGptTokenProvider(new ChatGptTokenProviderOptions
        {
            CredentialStore = BenchmarkCredentials.ChatGptStore(now.AddMinutes(-1), now.AddYears(1)),
            WatchStore = false,
        }));
        string accessToken = Warm(cachedProvider);

        // ChatGPT, inside the refresh window (exp in 1 h, refresh 2 h ahead) with a refresh that never completes.
        _neverResponding = new NeverRespondingHandler();
        var neverClient = Own(new HttpClient(_neverResponding) { Timeout = Timeout.InfiniteTimeSpan });
        var refreshingProvider = Own(new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions
            {
                CredentialStore = BenchmarkCredentials.ChatGptStore(now.AddHours(-10), now.AddHours(1)),
                WatchStore = false,
                RefreshBeforeExpiry = TimeSpan.FromHours(2),
                RefreshTokenUrl = new Uri("https://auth.invalid/oauth/token"),
                MaxRefreshRetries = 0,
                RefreshAttemptTimeout = Timeout.InfiniteTimeSpan,
            },
            httpClient: neverClient));
        _ = Warm(refreshingProvider);
        SpinWait.SpinUntil(() => _neverResponding.Requests > 0, TimeSpan.FromSeconds(10));
        if (_neverResponding.Requests != 1)
        {
            throw new InvalidOperationException($"Expected one refresh in flight, saw {_neverResponding.Requests}.");
        }

        // Agent identity: the frozen fake clock (same second every time), and the system clock.
        string record = BenchmarkCredentials.AgentIdentityRecord(BenchmarkCredentials.Seed());
        var frozen = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var agentFrozen = Own(AgentProvider(record, frozen));
        var agentSystem = Own(AgentProvider(record, TimeProvider.System));
        string assertion = Warm(agentFrozen);
        _ = Warm(agentSystem);

        _floorAuthorization = Invoke(new ManualHeadersHandler("Bearer " + BenchmarkCredentials.ApiKey), BenchmarkCredentials.ApiUrl);
        _floorAuthorizationChecked = Invoke(new DestinationCheckedHeadersHandler("Bearer " + BenchmarkCredentials.ApiKey, BenchmarkCredentials.ApiUrl.IdnHost), BenchmarkCredentials.ApiUrl);
        _floorThreeHeaders = Invoke(new ManualHeadersHandler("Bearer " + accessToken, BenchmarkCredentials.AccountId, fedRamp: true), BenchmarkCredentials.CodexUrl);
        _floorAgent = Invoke(new ManualHeadersHandler(assertion, BenchmarkCredentials.AccountId, fedRamp: true), BenchmarkCredentials.CodexUrl);
        _apiKey = Invoke(new CodexAuthHandler(ApiKeyProvider.FromKey(BenchmarkCredentials.ApiKey)), BenchmarkCredentials.ApiUrl);
        _chatGptCached = Invoke(new CodexAuthHandler(cachedProvider), BenchmarkCredentials.CodexUrl);
        _chatGptRefreshInFlight = Invoke(new CodexAuthHandler(refreshingProvider), BenchmarkCredentials.CodexUrl);
        _agentSameSecond = Invoke(new CodexAuthHandler(agentFrozen), BenchmarkCredentials.CodexUrl);
        _agentSameSecondSystemClock = Invoke(new CodexAuthHandler(agentSystem), BenchmarkCredentials.CodexUrl);
        _kiota = Invoke(
            new AuthorizationHandler(new BaseBearerTokenAuthenticationProvider(new ConstantAccessTokenProvider(BenchmarkCredentials.ApiKey, "api.openai.com"))),
            BenchmarkCredentials.ApiUrl);
        _identityWeb = Invoke(
            new MicrosoftIdentityMessageHandler(
                new ConstantAuthorizationHeaderProvider("Bearer " + BenchmarkCredentials.ApiKey),
                new MicrosoftIdentityMessageHandlerOptions { Scopes = { "api://codex/.default" } }),
            BenchmarkCredentials.ApiUrl);

        foreach (Invocation invocation in new[] { _floorAuthorization, _floorAuthorizationChecked, _floorThreeHeaders, _floorAgent, _apiKey, _chatGptCached, _chatGptRefreshInFlight, _agentSameSecond, _agentSameSecondSystemClock, _kiota, _identityWeb })
        {
            _ = invocation.Send().GetAwaiter().GetResult(); // the cached response is shared: never dispose it
            if (!invocation.Request.Headers.Contains("Authorization"))
            {
                throw new InvalidOperationException("A handler did not set Authorization.");
            }
        }

        if (_chatGptCached.Request.Headers.GetValues("X-OpenAI-Fedramp").Single() != "true"
            || _agentSameSecond.Request.Headers.GetValues("ChatGPT-Account-ID").Single() != BenchmarkCredentials.AccountId)
        {
            throw new InvalidOperationException("The ChatGPT and agent cases must send all three headers, like their floor.");
        }
    }

    [Benchmark(Description = "Floor: Authorization by hand")]
    [BenchmarkCategory("ApiKey")]
    public Task<HttpResponseMessage> FloorAuthorization() => _floorAuthorization.Send();

    [Benchmark(Description = "Floor: Authorization by hand, destination checked")]
    [BenchmarkCategory("ApiKey")]
    public Task<HttpResponseMessage> FloorAuthorizationChecked() => _floorAuthorizationChecked.Send();

    [Benchmark(Description = "Codex.Auth: API key")]
    [BenchmarkCategory("ApiKey")]
    public Task<HttpResponseMessage> ApiKey() => _apiKey.Send();

    /// <remarks>Kiota skips requests that already carry Authorization, so the header is cleared first to make it do its job.</remarks>
    [Benchmark(Description = "Peer: Kiota AuthorizationHandler")]
    [BenchmarkCategory("ApiKey")]
    public Task<HttpResponseMessage> Kiota()
    {
        _kiota.Request.Headers.Authorization = null;
        return _kiota.Send();
    }

    [Benchmark(Description = "Peer: Identity.Web MicrosoftIdentityMessageHandler")]
    [BenchmarkCategory("ApiKey")]
    public Task<HttpResponseMessage> IdentityWeb() => _identityWeb.Send();

    [Benchmark(Description = "Floor: three headers by hand")]
    [BenchmarkCategory("ChatGpt")]
    public Task<HttpResponseMessage> FloorThreeHeaders() => _floorThreeHeaders.Send();

    [Benchmark(Description = "Codex.Auth: ChatGPT token cached")]
    [BenchmarkCategory("ChatGpt")]
    public Task<HttpResponseMessage> ChatGptCached() => _chatGptCached.Send();

    [Benchmark(Description = "Codex.Auth: ChatGPT, background refresh in flight")]
    [BenchmarkCategory("ChatGpt")]
    public Task<HttpResponseMessage> ChatGptRefreshInFlight() => _chatGptRefreshInFlight.Send();

    [Benchmark(Description = "Floor: three headers by hand (agent assertion)")]
    [BenchmarkCategory("Agent")]
    public Task<HttpResponseMessage> FloorAgent() => _floorAgent.Send();

    [Benchmark(Description = "Codex.Auth: agent identity, same second (FakeTimeProvider)")]
    [BenchmarkCategory("Agent")]
    public Task<HttpResponseMessage> AgentSameSecond() => _agentSameSecond.Send();

    [Benchmark(Description = "Codex.Auth: agent identity, same second (system clock)")]
    [BenchmarkCategory("Agent")]
    public Task<HttpResponseMessage> AgentSameSecondSystemClock() => _agentSameSecondSystemClock.Send();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (Invocation invocation in new[] { _floorAuthorization, _floorAuthorizationChecked, _floorThreeHeaders, _floorAgent, _apiKey, _chatGptCached, _chatGptRefreshInFlight, _agentSameSecond, _agentSameSecondSystemClock, _kiota, _identityWeb })
        {
            invocation?.Dispose();
        }

        if (_neverResponding is not null && _neverResponding.Requests != 1)
        {
            Console.WriteLine($"// WARNING: the never-answering token endpoint saw {_neverResponding.Requests} requests; expected exactly 1 (one background refresh in flight).");
        }

        for (int i = _disposables.Count - 1; i >= 0; i--)
        {
            _disposables[i].Dispose();
        }
    }

    internal static AgentIdentityProvider AgentProvider(string record, TimeProvider time) =>
        new(
            new AgentIdentityProviderOptions { Identity = record, UseEnvironment = false, UseCredentialStore = false },
            httpClient: null,
            timeProvider: time);

    internal static string Warm(IAuthProvider provider)
    {
        AuthHeaders headers = provider.GetHeadersAsync().AsTask().GetAwaiter().GetResult();
        using var probe = new HttpRequestMessage();
        headers.ApplyTo(probe.Headers);
        string authorization = probe.Headers.GetValues("Authorization").Single();
        return headers.Scheme == "Bearer" ? authorization["Bearer ".Length..] : authorization;
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    internal static Invocation Invoke(DelegatingHandler handler, Uri url)
    {
        handler.InnerHandler = new NoRemoteCallHandler();
        return new Invocation(new HttpMessageInvoker(handler), new HttpRequestMessage(HttpMethod.Post, url));
    }

    internal sealed class Invocation(HttpMessageInvoker invoker, HttpRequestMessage request) : IDisposable
    {
        public HttpRequestMessage Request { get; } = request;

        public Task<HttpResponseMessage> Send() => invoker.SendAsync(Request, CancellationToken.None);

        public void Dispose()
        {
            invoker.Dispose();
            Request.Dispose();
        }
    }
}
