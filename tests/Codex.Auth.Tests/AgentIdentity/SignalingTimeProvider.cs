using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.AgentIdentity;

/// <summary>A <see cref="FakeTimeProvider"/> that reports each timer created, so a test can advance time exactly when a delay starts.</summary>
public sealed class SignalingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits until a timer whose due time <paramref name="match"/> accepts has been created, and returns that due time.</summary>
    public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            TimeSpan due = await _timers.Reader.ReadAsync(cts.Token);
            if (match(due))
            {
                return due;
            }
        }
    }

    /// <summary>Waits until a timer with <paramref name="dueTime"/> has been created.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await _timers.Reader.ReadAsync(cts.Token) != dueTime)
        {
        }
    }
}
