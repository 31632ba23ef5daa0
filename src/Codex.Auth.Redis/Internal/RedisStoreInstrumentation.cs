using System.Diagnostics.Metrics;

namespace Codex.Auth.Redis.Internal;

internal static class RedisStoreInstrumentation
{
    private static readonly Meter s_meter = new(RedisCredentialStoreTelemetry.MeterName);

    public static readonly Counter<long> Unavailable = s_meter.CreateCounter<long>(RedisCredentialStoreTelemetry.UnavailableInstrumentName, description: "Redis operations that failed or timed out.");

    public static readonly Counter<long> LeasesLost = s_meter.CreateCounter<long>(RedisCredentialStoreTelemetry.LeasesLostInstrumentName, description: "Refresh leases lost before release.");

    public static readonly Counter<long> FencedWrites = s_meter.CreateCounter<long>(RedisCredentialStoreTelemetry.FencedWritesInstrumentName, description: "Writes refused because a newer document was stored.");

    public static void RecordUnavailable(string operation) =>
        Unavailable.Add(1, new KeyValuePair<string, object?>(RedisCredentialStoreTelemetry.OperationTag, operation));
}
