using Codex.Auth.Internal;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.Snapshots;

/// <summary>
/// The one clock-skipping fast path both providers use, tested with a fake clock (exact, counting wall-clock reads)
/// and with the system clock (the same code, Environment.TickCount64 as its tick).
/// </summary>
public sealed class SnapshotClockTests
{
    private static readonly DateTimeOffset Origin = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private sealed class Snapshot(DateTimeOffset freshUntil)
        : RefreshAheadSnapshot(new AuthHeaders("Bearer", "snapshot-clock-test-token"), freshUntil);

    /// <summary>One request, as both providers make it: the tick; the wall clock only when the clock-free window has passed.</summary>
    private static bool IsFresh(SnapshotClock clock, RefreshAheadSnapshot snapshot, out DateTimeOffset? now)
    {
        if (clock.IsClockFree(snapshot))
        {
            now = null;
            return true;
        }

        DateTimeOffset read = clock.UtcNow;
        now = read;
        return clock.ServeIfFresh(snapshot, read);
    }

    [Fact]
    public void With_a_fake_clock_the_wall_clock_is_read_at_most_once_per_request_and_not_at_all_inside_the_window()
    {
        var time = new CountingTimeProvider(Origin);
        var clock = new SnapshotClock(time);
        var snapshot = new Snapshot(Origin.AddMinutes(10));

        Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? first));
        Assert.Equal(Origin, first);
        Assert.Equal(1, time.WallClockReads);
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? again));
            Assert.Null(again);
        }

        Assert.Equal(1, time.WallClockReads);

        // The window is at most a second: a wall-clock step is noticed within it; past it the wall clock is read again, once.
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? inside));
        Assert.Null(inside);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? later));
        Assert.Equal(Origin.AddSeconds(1), later);
        Assert.Equal(2, time.WallClockReads);
    }

    [Fact]
    public void With_a_fake_clock_the_window_never_reaches_past_the_snapshot_and_the_decision_at_its_end_is_never_skipped()
    {
        var time = new CountingTimeProvider(Origin);
        var clock = new SnapshotClock(time);
        var snapshot = new Snapshot(Origin.AddMilliseconds(500));

        Assert.True(IsFresh(clock, snapshot, out _));          // window: 500 - 20 = 480 ms
        time.Advance(TimeSpan.FromMilliseconds(479));
        Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? skipped));
        Assert.Null(skipped);
        time.Advance(TimeSpan.FromMilliseconds(2));           // 481 ms: read again, still fresh, no new window (19 ms left)
        Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? read));
        Assert.NotNull(read);
        time.Advance(TimeSpan.FromMilliseconds(18));          // 499 ms
        Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? lastFresh));
        Assert.NotNull(lastFresh);
        time.Advance(TimeSpan.FromMilliseconds(1));           // 500 ms: stale, and the caller has the time it was judged at
        Assert.False(IsFresh(clock, snapshot, out DateTimeOffset? stale));
        Assert.Equal(Origin.AddMilliseconds(500), stale);
    }

    [Fact]
    public void ServeClockFree_lets_a_snapshot_past_its_end_be_served_until_the_given_time_only()
    {
        var time = new CountingTimeProvider(Origin);
        var clock = new SnapshotClock(time);
        var snapshot = new Snapshot(Origin);  // stale already (inside a refresh window, say)

        Assert.False(IsFresh(clock, snapshot, out _));
        clock.ServeClockFree(snapshot, TimeSpan.FromMilliseconds(300));   // e.g. a refresh in flight, expiry 300 ms away
        Assert.True(IsFresh(clock, snapshot, out DateTimeOffset? skipped));
        Assert.Null(skipped);
        time.Advance(TimeSpan.FromMilliseconds(280));
        Assert.False(IsFresh(clock, snapshot, out DateTimeOffset? read));
        Assert.NotNull(read);
    }

    [Fact]
    public void With_the_system_clock_a_fresh_snapshot_is_served_without_the_wall_clock_and_a_stale_one_never_is()
    {
        var clock = new SnapshotClock(TimeProvider.System);
        var fresh = new Snapshot(DateTimeOffset.UtcNow.AddMinutes(10));

        Assert.True(IsFresh(clock, fresh, out DateTimeOffset? first));
        Assert.NotNull(first);
        bool skipped = false;
        for (int i = 0; i < 100 && !skipped; i++)
        {
            Assert.True(IsFresh(clock, fresh, out DateTimeOffset? now));
            skipped = now is null;
        }

        Assert.True(skipped, "inside the window the system clock's path must skip the wall clock");

        var stale = new Snapshot(DateTimeOffset.UtcNow.AddSeconds(-1));
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(IsFresh(clock, stale, out DateTimeOffset? now));
            Assert.NotNull(now);
        }
    }

    [Fact]
    public void With_the_system_clock_a_snapshot_turns_stale_at_its_end_and_is_never_served_past_it()
    {
        var clock = new SnapshotClock(TimeProvider.System);
        DateTimeOffset end = DateTimeOffset.UtcNow.AddMilliseconds(60);
        var snapshot = new Snapshot(end);
        DateTimeOffset deadline = DateTimeOffset.UtcNow.AddSeconds(10);

        // Called in a loop as requests would be: a call that starts at or after the end never gets a fresh answer.
        while (true)
        {
            DateTimeOffset before = DateTimeOffset.UtcNow;
            if (!IsFresh(clock, snapshot, out DateTimeOffset? now))
            {
                Assert.True(now >= end);
                break;
            }

            Assert.True(before < end, $"served {(before - end).TotalMilliseconds} ms past the end");
            Assert.True(before < deadline, "the snapshot never turned stale");
        }
    }
}
