using System.Runtime.CompilerServices;

namespace Codex.Auth.Internal;

/// <summary>
/// The clock of a provider's hot path: serves a <see cref="RefreshAheadSnapshot"/> while it is fresh, reading the wall
/// clock at most once per request and, between wall-clock reads, only a monotonic tick. The same code runs for every
/// <see cref="TimeProvider"/>: with <see cref="TimeProvider.System"/> the tick is <see cref="Environment.TickCount64"/> (a
/// few ns, where the wall clock costs about 25 ns); with any other clock (<c>FakeTimeProvider</c> in tests) it is that
/// clock's own <see cref="TimeProvider.GetTimestamp"/>, which moves when the fake clock is advanced.
/// </summary>
/// <remarks>
/// A wall-clock read lets the next ones be skipped for at most <see cref="MaxClockFreeMilliseconds"/>, and never past
/// the snapshot's <see cref="RefreshAheadSnapshot.FreshUntil"/> less <see cref="ClockMarginMilliseconds"/> (the coarse
/// tick's resolution). So a wall-clock step (NTP, resume from sleep) is noticed within a second, and the decision at
/// <c>FreshUntil</c> is never skipped.
/// </remarks>
internal readonly struct SnapshotClock
{
    public const long MaxClockFreeMilliseconds = 1000;
    public const long ClockMarginMilliseconds = 20;

    private readonly bool _system;
    private readonly long _timestampsPerMillisecond;

    public SnapshotClock(TimeProvider time)
    {
        Time = time;
        _system = ReferenceEquals(time, TimeProvider.System);
        _timestampsPerMillisecond = Math.Max(1, time.TimestampFrequency / 1000);
    }

    /// <summary>Gets the clock behind this one.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the monotonic tick, in milliseconds.</summary>
    public long Tick
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _system ? Environment.TickCount64 : TimestampMilliseconds();
    }

    /// <summary>Reads the wall clock.</summary>
    public DateTimeOffset UtcNow => Time.GetUtcNow();

    /// <summary>
    /// The hot path's first and usually only step: whether <paramref name="snapshot"/> may be served without reading the
    /// wall clock (a window a recent <see cref="ServeIfFresh"/> opened has not passed). Reads only the tick.
    /// </summary>
    /// <param name="snapshot">The snapshot in use.</param>
    /// <returns>Whether it may be served as it is.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsClockFree(RefreshAheadSnapshot snapshot) => snapshot.IsClockFreeAt(Tick);

    /// <summary>
    /// The second step, after the one wall-clock read of this request: whether <paramref name="snapshot"/> is fresh at
    /// <paramref name="now"/>; if so, the next requests may skip the wall clock for a while (<see cref="IsClockFree"/>).
    /// </summary>
    /// <param name="snapshot">The snapshot in use.</param>
    /// <param name="now">This request's wall-clock reading.</param>
    /// <returns>Whether it may be served as it is.</returns>
    public bool ServeIfFresh(RefreshAheadSnapshot snapshot, DateTimeOffset now)
    {
        if (!snapshot.IsFreshAt(now))
        {
            return false;
        }

        ServeClockFree(snapshot, Tick, snapshot.FreshUntil - now);
        return true;
    }

    /// <summary>Lets <paramref name="snapshot"/> be served without reading the wall clock for at most <paramref name="remaining"/> (less the margin, at most a second).</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="remaining">How long its current answer cannot change.</param>
    public void ServeClockFree(RefreshAheadSnapshot snapshot, TimeSpan remaining) => ServeClockFree(snapshot, Tick, remaining);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long TimestampMilliseconds() => Time.GetTimestamp() / _timestampsPerMillisecond;

    private static void ServeClockFree(RefreshAheadSnapshot snapshot, long tick, TimeSpan remaining)
    {
        long milliseconds = Math.Min((long)remaining.TotalMilliseconds - ClockMarginMilliseconds, MaxClockFreeMilliseconds);
        if (milliseconds > 0)
        {
            snapshot.ServeClockFreeUntil(tick + milliseconds);
        }
    }
}
