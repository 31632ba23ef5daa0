namespace Codex.Auth.Redis.Internal;

/// <summary>A held refresh lease: renewed on a timer until disposed, then released if still ours.</summary>
internal sealed class RedisLease(RedisCredentialStore store, string owner, long fence) : IAsyncDisposable
{
    private ITimer? _timer;
    private int _renewing;
    private int _released;

    /// <summary>Gets the random owner value stored in the lease key (not a secret: it only proves ownership to Redis).</summary>
    public string Owner { get; } = owner;

    /// <summary>Gets the lease's fencing token.</summary>
    public long Fence { get; } = fence;

    public void StartRenewal(TimeProvider time, TimeSpan period) =>
        _timer = time.CreateTimer(static state => ((RedisLease)state!).OnTick(), this, period, period);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }

        if (_timer is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }

        await store.ReleaseAsync(this).ConfigureAwait(false);
    }

    private void OnTick()
    {
        if (Volatile.Read(ref _released) != 0 || Interlocked.Exchange(ref _renewing, 1) != 0)
        {
            return;
        }

        _ = RenewAsync();
    }

    private async Task RenewAsync()
    {
        bool? renewed = null;
        try
        {
            renewed = await store.RenewAsync(this).ConfigureAwait(false);
            if (renewed == false && _timer is { } timer)
            {
                // Lost for good: stop renewing; the fencing check protects the document.
                await timer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // The attempt is over before anyone hears of it, so a tick that follows the news is never skipped as "still renewing".
            Volatile.Write(ref _renewing, 0);
            store.OnLeaseRenewalFinished(Fence, renewed == true);
        }
    }
}
