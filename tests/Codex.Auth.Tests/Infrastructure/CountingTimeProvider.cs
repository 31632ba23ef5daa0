using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.Infrastructure;

/// <summary>A fake clock that counts wall-clock reads (<see cref="GetUtcNow"/> by the caller) apart from tick reads.</summary>
public sealed class CountingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private bool _inTimestamp;

    public int WallClockReads { get; private set; }

    public int TickReads { get; private set; }

    public override DateTimeOffset GetUtcNow()
    {
        if (!_inTimestamp)
        {
            WallClockReads++;
        }

        return base.GetUtcNow();
    }

    public override long GetTimestamp()
    {
        // FakeTimeProvider's timestamp is derived from its GetUtcNow: not a read of the wall clock by the caller.
        TickReads++;
        _inTimestamp = true;
        try
        {
            return base.GetTimestamp();
        }
        finally
        {
            _inTimestamp = false;
        }
    }
}
