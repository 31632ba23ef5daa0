using System.Globalization;
using BenchmarkDotNet.Attributes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.Storage;
using Codex.Auth.Testing;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// 1,000 concurrent first requests with an expired access token, against <see cref="FakeCodexServer"/>'s token
/// endpoint on loopback: the time until all of them complete, and how many token requests they caused (must be 1).
/// Every operation starts from a fresh provider (set up outside the measurement) and a fresh sign-in.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
[WarmupCount(2)]
[IterationCount(15)]
public class ConcurrencyBenchmarks
{
    /// <summary>The environment variable naming the file the token-request counts are written to.</summary>
    public const string CountFileVariable = "CODEX_AUTH_BENCH_TOKEN_REQUESTS_FILE";

    private const int Callers = 1000;

    private readonly List<int> _tokenRequestsPerOperation = [];
    private FakeCodexServer _server = null!;
    private HttpClient _refreshClient = null!;
    private ChatGptTokenProvider _provider = null!;
    private HttpMessageInvoker _invoker = null!;
    private HttpRequestMessage[] _requests = null!;
    private Task<HttpResponseMessage>[] _responses = null!;
    private string _expiredAccessToken = null!;
    private int _countBefore;

    [GlobalSetup]
    public void Setup()
    {
        _server = FakeCodexServer.StartAsync().GetAwaiter().GetResult();
        _refreshClient = new HttpClient();
        _requests = new HttpRequestMessage[Callers];
        _responses = new Task<HttpResponseMessage>[Callers];
    }

    [IterationSetup]
    public void StartFromExpiredToken()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        FakeSignIn signIn = _server.SignIn(BenchmarkCredentials.AccountId, isFedRamp: true);
        _expiredAccessToken = BenchmarkCredentials.AccessToken(now.AddHours(-3), now.AddHours(-2));
        var store = new InMemoryCredentialStore(
            CodexAuthDocument.CreateChatGpt(signIn.IdToken, _expiredAccessToken, signIn.RefreshToken, signIn.AccountId, now.AddHours(-3)));
        _provider = new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions
            {
                CredentialStore = store,
                WatchStore = false,
                RefreshTokenUrl = _server.TokenEndpoint,
                ClientId = _server.ClientId,
            },
            httpClient: _refreshClient);
        _invoker = new HttpMessageInvoker(new CodexAuthHandler(_provider) { InnerHandler = new NoRemoteCallHandler() });
        for (int i = 0; i < Callers; i++)
        {
            _requests[i] = new HttpRequestMessage(HttpMethod.Post, BenchmarkCredentials.CodexUrl);
        }

        _countBefore = _server.TokenRefreshCount;
    }

    [Benchmark(Description = "Codex.Auth: 1,000 concurrent first requests, expired token")]
    [BenchmarkCategory("Concurrency")]
    public void ThousandConcurrentFirstRequests()
    {
        HttpMessageInvoker invoker = _invoker;
        for (int i = 0; i < Callers; i++)
        {
            HttpRequestMessage request = _requests[i];
            _responses[i] = Task.Run(() => invoker.SendAsync(request, CancellationToken.None));
        }

        Task.WaitAll(_responses);
    }

    [IterationCleanup]
    public void Check()
    {
        int tokenRequests = _server.TokenRefreshCount - _countBefore;
        _tokenRequestsPerOperation.Add(tokenRequests);
        foreach (HttpRequestMessage request in _requests)
        {
            string authorization = request.Headers.GetValues("Authorization").Single();
            if (authorization.EndsWith(_expiredAccessToken, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("A request was sent with the expired token.");
            }

            request.Dispose();
        }

        _invoker.Dispose();
        _provider.Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"token requests per {Callers} concurrent first requests: min {_tokenRequestsPerOperation.DefaultIfEmpty(-1).Min()}, max {_tokenRequestsPerOperation.DefaultIfEmpty(-1).Max()}, over {_tokenRequestsPerOperation.Count} operations");
        Console.WriteLine("// " + line);
        if (Environment.GetEnvironmentVariable(CountFileVariable) is { Length: > 0 } file)
        {
            File.AppendAllText(file, string.Join(' ', _tokenRequestsPerOperation) + Environment.NewLine);
        }

        _refreshClient.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_tokenRequestsPerOperation.Exists(n => n != 1))
        {
            throw new InvalidOperationException($"Expected exactly 1 token request per operation; {line}.");
        }
    }
}
