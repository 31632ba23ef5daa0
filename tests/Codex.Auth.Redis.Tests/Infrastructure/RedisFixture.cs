using System.Security.Cryptography;
using StackExchange.Redis;

namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary>One real redis-server per test class; each test uses its own store name in it.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private readonly List<ConnectionMultiplexer> _connections = [];
    private ConnectionMultiplexer? _raw;

    public RedisServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>Gets a plain connection for inspecting and tampering with what the store wrote.</summary>
    public IDatabase Raw => (_raw ?? throw new InvalidOperationException("not started")).GetDatabase();

    public IServer RawServer => _raw!.GetServer(Server.EndPoint);

    public static string NewName() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _raw = await ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        foreach (ConnectionMultiplexer connection in _connections)
        {
            await connection.DisposeAsync();
        }

        if (_raw is not null)
        {
            await _raw.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A new connection (a separate "machine"), reconnecting quickly after an outage.</summary>
    /// <remarks>Timeouts are generous by default: a loaded two-core CI machine can take over a second for a first EVAL. Outage tests pass short ones.</remarks>
    public static Task<ConnectionMultiplexer> ConnectAsync(RedisServer server, int timeoutMilliseconds = 10_000)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = timeoutMilliseconds,
            AsyncTimeout = timeoutMilliseconds,
            SyncTimeout = timeoutMilliseconds,
            ReconnectRetryPolicy = new LinearRetry(200),
            AllowAdmin = true,
        };
        options.EndPoints.Add(server.EndPoint);
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async Task<RedisCredentialStore> CreateStoreAsync(string name, byte[] key, Action<RedisCredentialStoreOptions>? configure = null, TimeProvider? time = null)
    {
        ConnectionMultiplexer connection = await ConnectAsync(Server);
        lock (_connections)
        {
            _connections.Add(connection);
        }

        var options = new RedisCredentialStoreOptions { Name = name, EncryptionKey = key, OperationTimeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        return new RedisCredentialStore(connection, options, time, CodexEnvironment.FromValues(new Dictionary<string, string?>()));
    }
}
