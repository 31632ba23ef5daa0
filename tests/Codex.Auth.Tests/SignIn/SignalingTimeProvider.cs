using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.SignIn;

/// <summary>A <see cref="FakeTimeProvider"/> that signals whenever code under test creates a timer (starts a delay),
/// so a test can advance time exactly when the flow is waiting — no sleeping, no races.</summary>
public sealed class SignalingTimeProvider : FakeTimeProvider
{
    private readonly SemaphoreSlim _timers = new(0);

    public SignalingTimeProvider()
        : base(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Codex.Auth.Backchannel.BackchannelPolicy.Default.AttemptTimeout && dueTime != Timeout.InfiniteTimeSpan)
        {
            // Not the back channel's per-attempt time limit (a CancellationTokenSource's timer, created unarmed), which
            // every HTTP call sets: a delay the flow started.
            _timers.Release();
        }

        return timer;
    }

    public async Task WaitForTimerAsync()
    {
        if (!await _timers.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The code under test never started a delay.");
        }
    }
}
