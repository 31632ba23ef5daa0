using System.Collections.Concurrent;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// Bounds the host refreshes an agent can cause. An upstream 401 is decided by the agent's request (any endpoint that answers
/// 401 will do), so recovery runs only when the credential the request carried is still the one in use, and at most once per
/// host credential (keyed by its account) per <see cref="CodexAuthProxyOptions.UpstreamRejectionRecoveryInterval"/>.
/// </summary>
internal sealed class RecoveryLimiter(TimeProvider time, TimeSpan interval)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastByCredential = new(StringComparer.Ordinal);

    /// <summary>Claims the recovery for <paramref name="credential"/>; <see langword="false"/> when one ran less than the interval ago.</summary>
    public bool TryClaim(string credential)
    {
        DateTimeOffset now = time.GetUtcNow();
        while (true)
        {
            if (!_lastByCredential.TryGetValue(credential, out DateTimeOffset last))
            {
                if (_lastByCredential.TryAdd(credential, now))
                {
                    Trim(now);
                    return true;
                }

                continue;
            }

            if (now - last < interval)
            {
                return false;
            }

            if (_lastByCredential.TryUpdate(credential, now, last))
            {
                return true;
            }
        }
    }

    // Old entries are useless once their interval is over; keep the map small.
    private void Trim(DateTimeOffset now)
    {
        if (_lastByCredential.Count <= 64)
        {
            return;
        }

        foreach (KeyValuePair<string, DateTimeOffset> entry in _lastByCredential)
        {
            if (now - entry.Value >= interval)
            {
                _lastByCredential.TryRemove(entry);
            }
        }
    }
}
