namespace Codex.Auth.Internal;

/// <summary>Date arithmetic on values read from untrusted input (a <c>last_refresh</c> in year 9999, an <c>exp</c> at the end of time).</summary>
internal static class TimeMath
{
    /// <summary><paramref name="time"/> + <paramref name="delta"/>, clamped to <see cref="DateTimeOffset.MinValue"/>..<see cref="DateTimeOffset.MaxValue"/> instead of throwing.</summary>
    public static DateTimeOffset AddSaturating(DateTimeOffset time, TimeSpan delta)
    {
        long ticks = time.UtcTicks;
        if (delta.Ticks > 0 && ticks > DateTimeOffset.MaxValue.UtcTicks - delta.Ticks)
        {
            return DateTimeOffset.MaxValue;
        }

        if (delta.Ticks < 0 && ticks < DateTimeOffset.MinValue.UtcTicks - delta.Ticks)
        {
            return DateTimeOffset.MinValue;
        }

        return new DateTimeOffset(ticks + delta.Ticks, TimeSpan.Zero);
    }
}
