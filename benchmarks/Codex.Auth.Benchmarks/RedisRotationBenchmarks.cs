using System.Globalization;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.Redis;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// Issue 16: <see cref="Instances"/> instances (each a <see cref="ChatGptTokenProvider"/> on its own Redis connection, as
/// separate machines would be) share one sign-in through a real <c>redis-server</c>, and go through
/// <see cref="Rotations"/> token rotations per operation. Each rotation moves the shared clock (the instances' and
/// <see cref="FakeCodexServer"/>'s) past the access token's expiry and sends one request through every instance's handler
/// at once; the rotation ends when all of them completed, each on the token the server issued last. The refresh POSTs
/// are counted per operation: exactly <see cref="Rotations"/>, or the run fails.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(1)]
[WarmupCount(1)]
[IterationCount(10)]
public class RedisRotationBenchmarks
{
    /// <summary>The environment variable naming the file the refresh-POST counts are written to.</summary>
    public const string CountFileVariable = "CODEX_AUTH_BENCH_ROTATION_POSTS_FILE";

    /// <summary>How many instances share the sign-in.</summary>
    public const int Instances = 8;

    /// <summary>How many rotations one operation goes through.</summary>
    public const int Rotations = 20;

    private readonly List<int> _postsPerOperation = [];
    private readonly List<IDisposable> _disposables = [];
    private BenchmarkRedis _redis = null!;
    private FakeTimeProvider _clock = null!;
    private FakeCodexServer _server = null!;
    private HttpClient _refreshClient = null!;
    private HttpMessageInvoker[] _invokers = null!;
    private HttpRequestMessage[] _requests = null!;
    private Task<HttpResponseMessage>[] _responses = null!;
    private int _postsBefore;

    [GlobalSetup]
    public void Setup()
    {
        _redis = BenchmarkRedis.Start();
        _clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _server = FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = _clock }).GetAwaiter().GetResult();
        _refreshClient = new HttpClient();
        byte[] key = RandomNumberGenerator.GetBytes(32);
        var options = new RedisCredentialStoreOptions { Name = "rotation", EncryptionKey = key, OperationTimeout = TimeSpan.FromSeconds(10) };
        CodexEnvironment noEnvironment = CodexEnvironment.FromValues(new Dictionary<string, string?>());

        FakeSignIn signIn = _server.SignIn(BenchmarkCredentials.AccountId, isFedRamp: true);
        using (ConnectionMultiplexer seedConnection = _redis.Connect())
        using (var seed = new RedisCredentialStore(seedConnection, options, TimeProvider.System, noEnvironment))
        {
            seed.SaveAsync(CodexAuthDocument.Parse(signIn.ToAuthJson(), "seed")).AsTask().GetAwaiter().GetResult();
        }

        _invokers = new HttpMessageInvoker[Instances];
        _requests = new HttpRequestMessage[Instances];
        _responses = new Task<HttpResponseMessage>[Instances];
        for (int i = 0; i < Instances; i++)
        {
            ConnectionMultiplexer connection = Own(_redis.Connect());
            var store = Own(new RedisCredentialStore(connection, options, TimeProvider.System, noEnvironment));
            var provider = Own(new ChatGptTokenProvider(
                new ChatGptTokenProviderOptions { CredentialStore = store, RefreshTokenUrl = _server.TokenEndpoint, ClientId = _server.ClientId },
                timeProvider: _clock,
                httpClient: _refreshClient));
            _invokers[i] = Own(new HttpMessageInvoker(new CodexAuthHandler(provider) { InnerHandler = new NoRemoteCallHandler() }));
            _requests[i] = Own(new HttpRequestMessage(HttpMethod.Post, BenchmarkCredentials.CodexUrl));
            if (HandlerBenchmarks.Warm(provider) != signIn.AccessToken)
            {
                throw new InvalidOperationException("Every instance must start on the seeded sign-in.");
            }
        }

        if (_server.TokenRefreshCount != 0)
        {
            throw new InvalidOperationException("No instance may refresh before the first rotation.");
        }
    }

    [IterationSetup]
    public void CountBefore() => _postsBefore = _server.TokenRefreshCount;

    [Benchmark(Description = "Codex.Auth: 8 instances on one Redis store through 20 rotations")]
    [BenchmarkCategory("RedisStore")]
    public void RotationsAcrossInstances()
    {
        for (int rotation = 0; rotation < Rotations; rotation++)
        {
            // Past the access token's exp (1 h lifetime): every instance must renew before it can send.
            _clock.Advance(TimeSpan.FromMinutes(61));
            for (int i = 0; i < Instances; i++)
            {
                HttpMessageInvoker invoker = _invokers[i];
                HttpRequestMessage request = _requests[i];
                _responses[i] = Task.Run(() => invoker.SendAsync(request, CancellationToken.None));
            }

            Task.WaitAll(_responses);
            string expected = "Bearer " + _server.CurrentTokens(BenchmarkCredentials.AccountId).AccessToken;
            foreach (HttpRequestMessage request in _requests)
            {
                if (request.Headers.GetValues("Authorization").Single() != expected)
                {
                    throw new InvalidOperationException("An instance sent a token other than the one the server issued last.");
                }
            }
        }
    }

    [IterationCleanup]
    public void CountAfter() => _postsPerOperation.Add(_server.TokenRefreshCount - _postsBefore);

    [GlobalCleanup]
    public void Cleanup()
    {
        string line = string.Create(
            CultureInfo.InvariantCulture,
            $"refresh POSTs per operation ({Instances} instances × {Rotations} rotations): min {_postsPerOperation.DefaultIfEmpty(-1).Min()}, max {_postsPerOperation.DefaultIfEmpty(-1).Max()}, over {_postsPerOperation.Count} operations (must be exactly {Rotations} each)");
        Console.WriteLine("// " + line);
        if (Environment.GetEnvironmentVariable(CountFileVariable) is { Length: > 0 } file)
        {
            File.AppendAllText(file, string.Join(' ', _postsPerOperation) + Environment.NewLine);
        }

        for (int i = _disposables.Count - 1; i >= 0; i--)
        {
            _disposables[i].Dispose();
        }

        _refreshClient?.Dispose();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _redis?.Dispose();
        if (_postsPerOperation.Count == 0 || _postsPerOperation.Exists(n => n != Rotations))
        {
            throw new InvalidOperationException($"Expected exactly {Rotations} refresh POSTs per operation; {line}.");
        }
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }
}
