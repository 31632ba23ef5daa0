using System.Diagnostics;
using System.Text.Json.Serialization;

namespace Codex.Auth.Redis;

/// <summary>Settings of a <see cref="RedisCredentialStore"/>.</summary>
public sealed class RedisCredentialStoreOptions
{
    /// <summary>The environment variable the store key is read from when no key or key file is given: <c>CODEX_AUTH_STORE_KEY</c> (base64 of 32 bytes).</summary>
    public const string KeyEnvironmentVariable = "CODEX_AUTH_STORE_KEY";

    /// <summary>The default <see cref="Name"/>: <c>default</c>.</summary>
    public const string DefaultName = "default";

    /// <summary>
    /// Gets or sets the name of the shared sign-in; every instance that shares a sign-in uses the same name (and key).
    /// Letters, digits, <c>.</c>, <c>_</c> and <c>-</c>, at most 64. Default <c>default</c>. It appears in Redis key
    /// names (<c>codex-auth:{NAME}:…</c>), so it must not be a secret.
    /// </summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>Gets or sets the Redis database number; -1 (the default) uses the connection's default database.</summary>
    public int Database { get; set; } = -1;

    /// <summary>Gets or sets the 32-byte AES-256-GCM key the document is sealed with. When null, <see cref="EncryptionKeyFile"/> or <c>CODEX_AUTH_STORE_KEY</c> is used.</summary>
    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    [JsonIgnore]
#pragma warning disable CA1819 // A key is bytes; the store copies it.
    public byte[]? EncryptionKey { get; set; }
#pragma warning restore CA1819

    /// <summary>Gets or sets a file holding the key as base64 text (as <c>openssl rand -base64 32</c> prints it). Used when <see cref="EncryptionKey"/> is null.</summary>
    public string? EncryptionKeyFile { get; set; }

    /// <summary>
    /// Gets or sets how long the refresh lease lives without renewal. The holder renews it every third of this while it
    /// holds it; if the holder dies, another instance can refresh after at most this long. Default 15 seconds.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Gets or sets how long one Redis operation may take before the store is reported unavailable
    /// (<see cref="CodexAuthFailureReason.StoreUnavailable"/>). Default 5 seconds (as StackExchange.Redis), so that a busy server or machine is not mistaken for an outage; requests are served from memory meanwhile.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
