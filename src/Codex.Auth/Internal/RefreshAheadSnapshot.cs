namespace Codex.Auth.Internal;

/// <summary>
/// An immutable set of headers that a provider serves, lock-free and without allocating, until <see cref="FreshUntil"/>
/// (the ChatGPT token's refresh point; the end of an agent assertion's second). From then on the provider has a decision
/// to make (refresh ahead, wait, rebuild); before it nothing needs deciding, so <see cref="SnapshotClock"/> may skip
/// reading the wall clock for a while.
/// </summary>
/// <remarks>Kept to three fields: an agent identity allocates one of these every second.</remarks>
internal class RefreshAheadSnapshot
{
    private readonly long _freshUntilUtcTicks;

    // A SnapshotClock tick (milliseconds) before which the headers may be served without reading the wall clock; 0 = read it.
    private long _clockFreeUntilTick;

    protected RefreshAheadSnapshot(AuthHeaders headers, DateTimeOffset freshUntil)
    {
        Headers = headers;
        _freshUntilUtcTicks = freshUntil.UtcTicks;
    }

    /// <summary>Gets the headers.</summary>
    public AuthHeaders Headers { get; }

    /// <summary>Gets when the headers stop being fresh: from then on the provider has a decision to make.</summary>
    public DateTimeOffset FreshUntil => new(_freshUntilUtcTicks, TimeSpan.Zero);

    /// <summary>Whether the headers are fresh at <paramref name="now"/>.</summary>
    internal bool IsFreshAt(DateTimeOffset now) => now.UtcTicks < _freshUntilUtcTicks;

    /// <summary>Whether the headers may be served at <paramref name="tick"/> without reading the wall clock.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal bool IsClockFreeAt(long tick) => tick < Volatile.Read(ref _clockFreeUntilTick);

    /// <summary>Lets the headers be served without reading the wall clock until <paramref name="tick"/>.</summary>
    internal void ServeClockFreeUntil(long tick) => Volatile.Write(ref _clockFreeUntilTick, tick);
}
