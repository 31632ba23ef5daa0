using Microsoft.Extensions.Logging;

namespace Codex.Auth.Redis.Internal;

/// <summary>Source-generated log messages of the Redis store. None carries a secret: the store name and key id are not secrets.</summary>
internal static partial class RedisStoreLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Redis credential store {Location} unavailable during {Operation}: {ErrorType}")]
    public static partial void Unavailable(ILogger logger, string location, string operation, string errorType);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Refresh lease on {Location} acquired (fence {Fence})")]
    public static partial void LeaseAcquired(ILogger logger, string location, long fence);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Refresh lease on {Location} released (fence {Fence})")]
    public static partial void LeaseReleased(ILogger logger, string location, long fence);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Refresh lease on {Location} (fence {Fence}) was lost before it was released; a write under it is refused if a newer document exists")]
    public static partial void LeaseLost(ILogger logger, string location, long fence);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Write to {Location} under fence {Fence} refused: the store holds a document written under a newer lease")]
    public static partial void WriteFenced(ILogger logger, string location, long fence);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Redis credential store {Location} reconnected; watchers are told to re-read")]
    public static partial void Reconnected(ILogger logger, string location);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "Redis credential store {Location} saved (fence {Fence})")]
    public static partial void Saved(ILogger logger, string location, long fence);
}
