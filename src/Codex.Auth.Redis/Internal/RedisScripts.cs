namespace Codex.Auth.Redis.Internal;

/// <summary>
/// The Lua scripts that make each multi-step operation atomic in Redis. Keys: the document hash
/// (<c>sealed</c>, <c>fence</c>), the lease string, and the fence counter; all share one hash tag, so a cluster keeps
/// them in one slot.
/// </summary>
internal static class RedisScripts
{
    /// <summary>KEYS: lease, fence counter. ARGV: owner, lease ms. Returns the new fencing token, or 0 when the lease is held.</summary>
    public const string Acquire = """
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return redis.call('INCR', KEYS[2])
        end
        return 0
        """;

    /// <summary>KEYS: lease. ARGV: owner, lease ms. Returns 1 when the owner still held it and it was extended.</summary>
    public const string Renew = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """;

    /// <summary>
    /// KEYS: lease. ARGV: owner, channel, released message. Deletes the lease only when the owner still holds it, and then
    /// announces it on the channel, so that instances waiting for the lease try again at once instead of after their back-off.
    /// </summary>
    public const string Release = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('DEL', KEYS[1])
          redis.call('PUBLISH', ARGV[2], ARGV[3])
          return 1
        end
        return 0
        """;

    /// <summary>
    /// KEYS: document, fence counter. ARGV: sealed value, fencing token (-1: an unfenced write, which takes a new
    /// token), channel. Refuses (returns -1) when the stored document was written under a newer token than the
    /// writer's — a holder whose lease lapsed never overwrites a newer document. Returns the token written.
    /// </summary>
    public const string Save = """
        local fence = tonumber(ARGV[2])
        if fence < 0 then
          fence = redis.call('INCR', KEYS[2])
        end
        local stored = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
        if stored > fence then
          return -1
        end
        redis.call('HSET', KEYS[1], 'sealed', ARGV[1], 'fence', fence)
        redis.call('PUBLISH', ARGV[3], fence)
        return fence
        """;

    /// <summary>
    /// KEYS: document, fence counter. ARGV: channel. Removes the document but leaves a tombstone with a new fencing
    /// token, so a lapsed lease holder cannot bring a signed-out document back. Returns 1 when a document was removed.
    /// </summary>
    public const string Delete = """
        local had = redis.call('HEXISTS', KEYS[1], 'sealed')
        local fence = redis.call('INCR', KEYS[2])
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'fence', fence)
        redis.call('PUBLISH', ARGV[1], fence)
        return had
        """;
}
