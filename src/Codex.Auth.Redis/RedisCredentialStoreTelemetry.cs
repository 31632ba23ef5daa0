namespace Codex.Auth.Redis;

/// <summary>The names the Redis store publishes telemetry under. No tag ever carries a secret.</summary>
/// <example>
/// <code>
/// builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(RedisCredentialStoreTelemetry.MeterName));
/// </code>
/// </example>
public static class RedisCredentialStoreTelemetry
{
    /// <summary>The meter's name: <c>Codex.Auth.Redis</c>.</summary>
    public const string MeterName = "Codex.Auth.Redis";

    /// <summary>Counter of Redis operations that failed or timed out (the store reported unavailable), tagged with <see cref="OperationTag"/>.</summary>
    public const string UnavailableInstrumentName = "codex.auth.store.unavailable";

    /// <summary>Counter of refresh leases lost before release (the holder stalled past the lease).</summary>
    public const string LeasesLostInstrumentName = "codex.auth.store.leases_lost";

    /// <summary>Counter of writes refused by the fencing check (a newer document was already stored).</summary>
    public const string FencedWritesInstrumentName = "codex.auth.store.fenced_writes";

    /// <summary>Tag: the operation, <c>load</c>, <c>save</c>, <c>delete</c>, <c>lease</c>, <c>renew</c>, <c>release</c>.</summary>
    public const string OperationTag = "codex.auth.store.operation";
}
