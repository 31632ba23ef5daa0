namespace Codex.Auth.TestSupport;

/// <summary>
/// Waits, bounded, for a condition that a real component (a file watcher, another process, a server) makes true, polling every
/// 20 ms without blocking a thread-pool thread (a spin or a blocking wait would starve the very continuations it waits for
/// on two cores). For time a test controls, use <c>FakeTimeProvider</c> instead.
/// </summary>
public static class Eventually
{
    /// <summary>True once <paramref name="condition"/> is; false when <paramref name="patience"/> ran out first.</summary>
    /// <param name="condition">The condition; an exception <paramref name="transient"/> accepts counts as "not yet".</param>
    /// <param name="patience">How long to wait at most.</param>
    /// <param name="transient">Which exceptions mean "not yet" rather than a failure (none by default).</param>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan patience, Func<Exception, bool>? transient = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        DateTime deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return true;
                }
            }
            catch (Exception ex) when (transient?.Invoke(ex) == true)
            {
                // not an answer yet
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }
    }

    /// <summary>True once <paramref name="condition"/> is; false when <paramref name="patience"/> ran out first.</summary>
    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan patience) =>
        TrueAsync(() => Task.FromResult(condition()), patience);
}
