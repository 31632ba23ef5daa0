using System.Globalization;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.Redis;
using Codex.Auth.Storage;
using StackExchange.Redis;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// Issue 16: the cached path of a <see cref="ChatGptTokenProvider"/> on the Redis store against the same provider on the
/// file store (<c>auth.json</c>), both as deployed (store watched: pub/sub for Redis, a file watcher for the file). They must
/// cost the same: the hot path never touches the store. A real <c>redis-server</c> is started here on a free loopback port;
/// the cleanup checks from its <c>INFO commandstats</c> that the measured requests ran no Redis command at all.
/// </summary>
[MemoryDiagnoser]
public class RedisStoreBenchmarks
{
    private readonly List<IDisposable> _disposables = [];
    private BenchmarkRedis? _redis;
    private ConnectionMultiplexer? _connection;
    private ConnectionMultiplexer? _inspector;
    private string? _home;
    private HandlerBenchmarks.Invocation _fileStore = null!;
    private HandlerBenchmarks.Invocation _redisStore = null!;
    private long _commandsAfterSetup;

    [GlobalSetup]
    public void Setup()
    {
        _redis = BenchmarkRedis.Start();
        _connection = _redis.Connect();
        _inspector = _redis.Connect();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        CodexAuthDocument document = CodexAuthDocument.CreateChatGpt(
            BenchmarkCredentials.IdToken(),
            BenchmarkCredentials.AccessToken(now.AddMinutes(-1), now.AddYears(1)),
            "rt_benchmark_refresh",
            BenchmarkCredentials.AccountId,
            now.AddMinutes(-1));

        // The file store: auth.json in a temp CODEX_HOME.
        _home = Path.Combine(Path.GetTempPath(), "codex-auth-bench-home-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_home);
        var file = new FileCredentialStore(_home);
        file.SaveAsync(document).AsTask().GetAwaiter().GetResult();

        // The Redis store: the same document, sealed under a random key.
        var redis = new RedisCredentialStore(
            _connection,
            new RedisCredentialStoreOptions { Name = "bench", EncryptionKey = RandomNumberGenerator.GetBytes(32) },
            TimeProvider.System,
            CodexEnvironment.FromValues(new Dictionary<string, string?>()));
        _disposables.Add(redis);
        redis.SaveAsync(document).AsTask().GetAwaiter().GetResult();

        var fileProvider = Own(new ChatGptTokenProvider(new ChatGptTokenProviderOptions { CredentialStore = file }));
        var redisProvider = Own(new ChatGptTokenProvider(new ChatGptTokenProviderOptions { CredentialStore = redis }));
        string fileToken = HandlerBenchmarks.Warm(fileProvider);
        string redisToken = HandlerBenchmarks.Warm(redisProvider);
        if (fileToken != redisToken)
        {
            throw new InvalidOperationException("The two stores must serve the same sign-in.");
        }

        _fileStore = HandlerBenchmarks.Invoke(new CodexAuthHandler(fileProvider), BenchmarkCredentials.CodexUrl);
        _redisStore = HandlerBenchmarks.Invoke(new CodexAuthHandler(redisProvider), BenchmarkCredentials.CodexUrl);
        foreach (HandlerBenchmarks.Invocation invocation in new[] { _fileStore, _redisStore })
        {
            _ = invocation.Send().GetAwaiter().GetResult();
            if (invocation.Request.Headers.GetValues("Authorization").Single() != "Bearer " + fileToken
                || invocation.Request.Headers.GetValues("X-OpenAI-Fedramp").Single() != "true")
            {
                throw new InvalidOperationException("Both cases must send the same three headers.");
            }
        }

        _commandsAfterSetup = BenchmarkRedis.DataCommands(_inspector);
    }

    [Benchmark(Baseline = true, Description = "Codex.Auth: ChatGPT cached, file store (auth.json, watched)")]
    [BenchmarkCategory("RedisStore")]
    public Task<HttpResponseMessage> FileStoreCached() => _fileStore.Send();

    [Benchmark(Description = "Codex.Auth: ChatGPT cached, Redis store (pub/sub watched)")]
    [BenchmarkCategory("RedisStore")]
    public Task<HttpResponseMessage> RedisStoreCached() => _redisStore.Send();

    /// <summary>The Redis commands (other than housekeeping) run since the end of the setup; the hot path must run none.</summary>
    public long CommandsSinceSetup() => BenchmarkRedis.DataCommands(_inspector!) - _commandsAfterSetup;

    [GlobalCleanup]
    public void Cleanup()
    {
        long commands = _inspector is null ? 0 : CommandsSinceSetup();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// Redis data commands during the measured requests: {commands} (must be 0: the cached path never touches Redis)"));
        _fileStore?.Dispose();
        _redisStore?.Dispose();
        for (int i = _disposables.Count - 1; i >= 0; i--)
        {
            _disposables[i].Dispose();
        }

        _disposables.Clear();
        _connection?.Dispose();
        _inspector?.Dispose();
        _redis?.Dispose();
        if (_home is not null)
        {
            Directory.Delete(_home, recursive: true);
        }

        if (commands != 0)
        {
            throw new InvalidOperationException($"The cached path ran {commands} Redis commands; it must run none.");
        }
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }
}
