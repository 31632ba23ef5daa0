using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Codex.Auth.Redis.Internal;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Codex.Auth.Redis;

/// <summary>
/// A credential store in Redis, so that several machines share one ChatGPT sign-in (one lineage of single-use
/// refresh tokens) with exactly one refresh per rotation. Every provider works on it unchanged.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The document is the same <see cref="CodexAuthDocument"/> as <c>auth.json</c> (unknown fields kept), sealed with
/// AES-256-GCM under an operator key (<see cref="RedisCredentialStoreOptions.EncryptionKey"/>, a key file, or
/// <c>CODEX_AUTH_STORE_KEY</c>); the associated data binds it to its Redis key. A missing or wrong key is a
/// <see cref="CodexAuthFailureReason.InvalidStoreKey"/> error, never a plaintext write.</item>
/// <item>The refresh lock is a Redis lease (<c>SET NX PX</c> with a random owner, released only by its owner, renewed
/// every third of <see cref="RedisCredentialStoreOptions.LeaseDuration"/> while held). Each lease carries a fencing
/// token; a write under a lease whose holder stalled past it is refused when a newer document is already stored.</item>
/// <item>Changes are announced on a pub/sub channel; <see cref="Watch"/> callbacks run within milliseconds on every
/// instance, and once more whenever the connection is restored. Providers never read Redis on their cached path.</item>
/// <item>When Redis is down or slower than <see cref="RedisCredentialStoreOptions.OperationTimeout"/>, operations fail
/// with <see cref="CodexAuthFailureReason.StoreUnavailable"/> (and the <c>codex.auth.store.unavailable</c> counter);
/// providers keep serving their current token, never refresh without the lease, and carry on when Redis is back.</item>
/// </list>
/// Redis keys: <c>codex-auth:{NAME}:document</c>, <c>:lease</c>, <c>:fence</c>; channel <c>codex-auth:{NAME}:changed</c>.
/// Run Redis with persistence (AOF or RDB): the refresh token exists nowhere else.
/// </remarks>
/// <example>
/// <code>
/// await using RedisCredentialStore store = await RedisCredentialStore.ConnectAsync(RedisStoreAddress.Parse("redis://10.0.0.5:6379?name=fleet"));
/// using var provider = new ChatGptTokenProvider(new ChatGptTokenProviderOptions { CredentialStore = store });
/// </code>
/// </example>
public sealed class RedisCredentialStore : ICodexCredentialStore, IAsyncDisposable, IDisposable
{
    private const int SaveAttempts = 3;

    /// <summary>The message announcing a released lease on the change channel (a change carries its fencing token, a number).</summary>
    private const string ReleasedMessage = "released";

    private readonly IConnectionMultiplexer _redis;
    private readonly bool _ownsConnection;
    private readonly int _database;
    private readonly TimeSpan _leaseDuration;
    private readonly TimeSpan _operationTimeout;
    private readonly DocumentSealer _sealer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _documentKeyName;
    private readonly RedisKey _documentKey;
    private readonly RedisKey _leaseKey;
    private readonly RedisKey _fenceKey;
    private readonly RedisChannel _channel;
    private readonly string _channelName;
    private readonly SemaphoreSlim _local = new(1, 1);
    private readonly object _gate = new();
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private Action? _listeners;
    private int _subscribed;
    private RedisLease? _held;
    private TaskCompletionSource _leaseReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <summary>Creates a store on an existing connection (which the store does not dispose).</summary>
    /// <param name="redis">The connection; create it with <c>AbortOnConnectFail = false</c> so that it reconnects by itself.</param>
    /// <param name="options">The settings; <see langword="null"/> for the defaults (name <c>default</c>, key from <c>CODEX_AUTH_STORE_KEY</c>).</param>
    /// <param name="timeProvider">The clock that schedules lease renewals; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="environment">Where <c>CODEX_AUTH_STORE_KEY</c> is read; defaults to the process environment.</param>
    /// <param name="logger">A logger; nothing it receives is a secret.</param>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.InvalidStoreKey"/>: no key, or not 32 bytes.</exception>
    public RedisCredentialStore(
        IConnectionMultiplexer redis,
        RedisCredentialStoreOptions? options = null,
        TimeProvider? timeProvider = null,
        CodexEnvironment? environment = null,
        ILogger<RedisCredentialStore>? logger = null)
        : this(redis, ownsConnection: false, options ?? new RedisCredentialStoreOptions(), timeProvider, environment, logger)
    {
    }

    private RedisCredentialStore(
        IConnectionMultiplexer redis,
        bool ownsConnection,
        RedisCredentialStoreOptions options,
        TimeProvider? timeProvider,
        CodexEnvironment? environment,
        ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        RedisCredentialStoreOptionsValidator.ThrowIfInvalid(options);
        byte[] key = StoreKeyLoader.Load(options, environment ?? CodexEnvironment.Process);
        try
        {
            _sealer = new DocumentSealer(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        _redis = redis;
        _ownsConnection = ownsConnection;
        _database = options.Database;
        _leaseDuration = options.LeaseDuration;
        _operationTimeout = options.OperationTimeout;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Name = options.Name;
        string prefix = "codex-auth:{" + Name + "}:";
        _documentKeyName = prefix + "document";
        _documentKey = _documentKeyName;
        _leaseKey = prefix + "lease";
        _fenceKey = prefix + "fence";
        _channelName = prefix + "changed";
        _channel = RedisChannel.Literal(_channelName);
        Location = FormatLocation(redis, _database, Name);
        _onMessage = (_, message) => OnMessage(message);
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Gets the store name (the shared sign-in's name).</summary>
    public string Name { get; }

    /// <summary>Gets the public id of the store key: 8 hex characters of its SHA-256, shown in errors to tell keys apart (not a secret).</summary>
    public string KeyId => _sealer.KeyId;

    /// <inheritdoc />
    /// <remarks>For example <c>redis://10.0.0.5:6379/0?name=fleet</c>; never a password.</remarks>
    public string Location { get; }

    /// <summary>Raised after each lease renewal attempt with the lease's fencing token and whether it was extended (for tests and diagnostics).</summary>
    internal event Action<long, bool>? LeaseRenewed;

    /// <summary>Connects to Redis and creates a store that owns the connection.</summary>
    /// <param name="address">Where Redis is, and the store name (it overrides <see cref="RedisCredentialStoreOptions.Name"/> and, when given, the database).</param>
    /// <param name="options">The settings, or <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for lease renewals.</param>
    /// <param name="environment">Where <c>CODEX_AUTH_STORE_KEY</c> is read.</param>
    /// <param name="logger">A logger.</param>
    /// <returns>The store. It is returned even when Redis is not reachable yet: it reconnects by itself.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.InvalidStoreKey"/>: no key, or not 32 bytes.</exception>
    public static async Task<RedisCredentialStore> ConnectAsync(
        RedisStoreAddress address,
        RedisCredentialStoreOptions? options = null,
        TimeProvider? timeProvider = null,
        CodexEnvironment? environment = null,
        ILogger<RedisCredentialStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        options ??= new RedisCredentialStoreOptions();
        var effective = new RedisCredentialStoreOptions
        {
            Name = address.Name,
            Database = address.Database >= 0 ? address.Database : options.Database,
            EncryptionKey = options.EncryptionKey,
            EncryptionKeyFile = options.EncryptionKeyFile,
            LeaseDuration = options.LeaseDuration,
            OperationTimeout = options.OperationTimeout,
        };

        // Check the key before connecting, so that a missing key fails at once.
        StoreKeyLoader.Load(effective, environment ?? CodexEnvironment.Process).AsSpan().Clear();
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(address.ToConfigurationOptions()).ConfigureAwait(false);
        try
        {
            return new RedisCredentialStore(redis, ownsConnection: true, effective, timeProvider, environment, logger);
        }
        catch
        {
            await redis.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default)
    {
        RedisValue value = await CallAsync(db => db.HashGetAsync(_documentKey, "sealed"), "load", cancellationToken).ConfigureAwait(false);
        if (value.IsNull)
        {
            return null;
        }

        byte[] plaintext = _sealer.Open((byte[])value!, _documentKeyName, Location);
        try
        {
            return CodexAuthDocument.Parse(Encoding.UTF8.GetString(plaintext), Location);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Under a refresh lease held by this store, the write carries the lease's fencing token and is refused with
    /// <see cref="CodexAuthFailureReason.RefreshFailed"/> when a document written under a newer lease is already
    /// stored. A write without a lease (a sign-in, an import) takes a new token and always wins.
    /// </remarks>
    public async ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] json = Encoding.UTF8.GetBytes(document.ToJson());
        byte[] sealedValue;
        try
        {
            sealedValue = _sealer.Seal(json, _documentKeyName);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }

        RedisLease? lease = Volatile.Read(ref _held);
        long fence = lease?.Fence ?? -1;
        RedisKey[] keys = [_documentKey, _fenceKey];
        RedisValue[] values = [sealedValue, fence, _channelName];
        for (int attempt = 1; ; attempt++)
        {
            long written;
            try
            {
                // A fenced write is idempotent, so it is retried; an unfenced one is not (it would take a new token).
                written = (long)await CallAsync(db => db.ScriptEvaluateAsync(RedisScripts.Save, keys, values), "save", cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.StoreUnavailable && lease is not null && attempt < SaveAttempts && !cancellationToken.IsCancellationRequested)
            {
                continue;
            }

            if (written < 0)
            {
                RedisStoreInstrumentation.FencedWrites.Add(1);
                RedisStoreLog.WriteFenced(_logger, Location, fence);
                throw new CodexAuthException(
                    CodexAuthFailureReason.RefreshFailed,
                    $"The write to {Location} was refused: this instance's refresh lease lapsed and another instance has since stored newer credentials.",
                    "Nothing to do: the newer credentials are adopted on the next request. If this repeats, raise the lease duration or find what stalls this process.");
            }

            RedisStoreLog.Saved(_logger, Location, written);
            return;
        }
    }

    /// <inheritdoc />
    /// <remarks>Leaves a tombstone with a new fencing token, so a lapsed lease holder cannot bring the document back.</remarks>
    public async ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        RedisResult result = await CallAsync(db => db.ScriptEvaluateAsync(RedisScripts.Delete, [_documentKey, _fenceKey], [_channelName]), "delete", cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Within the process callers queue on a semaphore; across instances the lease is tried again as soon as its holder
    /// announces the release on the change channel, and every 10–100 ms in any case (a message can be missed; a holder that
    /// died announces nothing and its lease expires). Fails with
    /// <see cref="CodexAuthFailureReason.StoreUnavailable"/> as soon as Redis does not answer: there is no refresh without the lease.
    /// </remarks>
    public async ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _local.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string owner = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            long leaseMs = (long)_leaseDuration.TotalMilliseconds;
            RedisKey[] keys = [_leaseKey, _fenceKey];
            RedisValue[] values = [owner, leaseMs];
            int delayMs = 10;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // Taken before the attempt, so that a release between the attempt and the wait is not missed.
                Task released = Volatile.Read(ref _leaseReleased).Task;
                long fence = (long)await CallAsync(db => db.ScriptEvaluateAsync(RedisScripts.Acquire, keys, values), "lease", cancellationToken).ConfigureAwait(false);
                if (fence > 0)
                {
                    var lease = new RedisLease(this, owner, fence);
                    Volatile.Write(ref _held, lease);
                    lease.StartRenewal(_time, _leaseDuration / 3);
                    RedisStoreLog.LeaseAcquired(_logger, Location, fence);
                    return lease;
                }

                // Another instance holds it: try again when it announces the release (pub/sub), or after the back-off at
                // the latest (a message can be missed, and a holder that died never announces; its lease expires).
                // Cross-machine coordination waits on the real clock.
                EnsureSubscribed();
                await Task.WhenAny(released, Task.Delay(delayMs, cancellationToken)).ConfigureAwait(false);
                delayMs = Math.Min(delayMs * 2, 100);
            }
        }
        catch
        {
            _local.Release();
            throw;
        }
    }

    /// <inheritdoc />
    public IDisposable Watch(Action onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        lock (_gate)
        {
            _listeners += onChanged;
        }

        EnsureSubscribed();
        return new Subscription(this, onChanged);
    }

    /// <summary>Closes the subscription and, when the store created it, the connection.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _redis.ConnectionRestored -= OnConnectionRestored;
        try
        {
            await _redis.GetSubscriber().UnsubscribeAsync(_channel, _onMessage).WaitAsync(_operationTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
        }

        if (_ownsConnection)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }

        _sealer.Dispose();
    }

    /// <summary>Closes the subscription and, when the store created it, the connection.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override string ToString() => $"RedisCredentialStore {Location}";

    /// <summary>Extends the lease if this holder still owns it.</summary>
    /// <returns><see langword="true"/> renewed, <see langword="false"/> lost to another holder (or expired), <see langword="null"/> Redis did not answer (the next tick tries again; the fencing check guards the write meanwhile).</returns>
    internal async Task<bool?> RenewAsync(RedisLease lease)
    {
        try
        {
            RedisResult result = await CallAsync(db => db.ScriptEvaluateAsync(RedisScripts.Renew, [_leaseKey], [lease.Owner, (long)_leaseDuration.TotalMilliseconds]), "renew", CancellationToken.None).ConfigureAwait(false);
            bool renewed = (long)result == 1;
            if (!renewed)
            {
                RedisStoreInstrumentation.LeasesLost.Add(1);
                RedisStoreLog.LeaseLost(_logger, Location, lease.Fence);
            }

            return renewed;
        }
        catch (CodexAuthException)
        {
            // Logged by CallAsync.
            return null;
        }
    }

    /// <summary>Raised by the lease once a renewal attempt is over and the next tick may start one.</summary>
    internal void OnLeaseRenewalFinished(long fence, bool renewed) => LeaseRenewed?.Invoke(fence, renewed);

    internal async ValueTask ReleaseAsync(RedisLease lease)
    {
        Interlocked.CompareExchange(ref _held, null, lease);
        try
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                await CallAsync(db => db.ScriptEvaluateAsync(RedisScripts.Release, [_leaseKey], [lease.Owner, _channelName, ReleasedMessage]), "release", CancellationToken.None).ConfigureAwait(false);
                RedisStoreLog.LeaseReleased(_logger, Location, lease.Fence);
            }
        }
        catch (CodexAuthException)
        {
            // Redis is unreachable: the lease expires by itself.
        }
        finally
        {
            _local.Release();
        }
    }

    private static string FormatLocation(IConnectionMultiplexer redis, int database, string name)
    {
        EndPoint[] endpoints = redis.GetEndPoints(configuredOnly: true);
        string endpoint = endpoints.Length == 0 ? "unknown" : endpoints[0] switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port.ToString(CultureInfo.InvariantCulture)}",
            IPEndPoint ip => ip.ToString(),
            EndPoint other => other.ToString() ?? "unknown",
        };
        string db = database >= 0 ? "/" + database.ToString(CultureInfo.InvariantCulture) : string.Empty;
        return $"redis://{endpoint}{db}?name={name}";
    }

    private async Task<T> CallAsync<T>(Func<IDatabase, Task<T>> operation, string name, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            return await operation(_redis.GetDatabase(_database)).WaitAsync(_operationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            RedisStoreInstrumentation.RecordUnavailable(name);
            RedisStoreLog.Unavailable(_logger, Location, name, ex.GetType().Name);
            throw new CodexAuthException(
                CodexAuthFailureReason.StoreUnavailable,
                $"The Redis credential store {Location} did not answer ({name}: {ex.GetType().Name}).",
                "Check that Redis is running and reachable. Instances keep serving their current token until it expires, do not refresh without the lease, and carry on by themselves when Redis is back.",
                ex);
        }
    }

    private void EnsureSubscribed()
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _subscribed, 1, 0) != 0)
        {
            return;
        }

        _ = SubscribeAsync();
    }

    private async Task SubscribeAsync()
    {
        try
        {
            await _redis.GetSubscriber().SubscribeAsync(_channel, _onMessage).WaitAsync(_operationTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Tried again when the connection is restored.
            Volatile.Write(ref _subscribed, 0);
            RedisStoreInstrumentation.RecordUnavailable("subscribe");
            RedisStoreLog.Unavailable(_logger, Location, "subscribe", ex.GetType().Name);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        RedisStoreLog.Reconnected(_logger, Location);
        bool watched;
        lock (_gate)
        {
            watched = _listeners is not null;
        }

        if (watched)
        {
            EnsureSubscribed();

            // Changes announced while the connection was down were missed: tell watchers to re-read.
            Notify();
        }
    }

    private void OnMessage(RedisValue message)
    {
        if (message == ReleasedMessage)
        {
            // Wakes the caller waiting for the lease here (if any): it tries again at once, and one instance wins.
            Interlocked.Exchange(ref _leaseReleased, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return;
        }

        Notify();
    }

    private void Notify()
    {
        Action? listeners;
        lock (_gate)
        {
            listeners = _listeners;
        }

        listeners?.Invoke();
    }

    private sealed class Subscription(RedisCredentialStore store, Action listener) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (store._gate)
                {
                    store._listeners -= listener;
                }
            }
        }
    }
}
