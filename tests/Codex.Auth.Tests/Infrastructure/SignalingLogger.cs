using Microsoft.Extensions.Logging;

namespace Codex.Auth.Tests.Infrastructure;

/// <summary>Forwards to another logger and lets a test await the <c>n</c>-th entry with an event id (no polling, no sleeps).</summary>
public sealed class SignalingLogger<T>(ILogger<T> inner) : ILogger<T>
{
    private readonly object _lock = new();
    private readonly Dictionary<int, int> _counts = [];
    private readonly List<(int EventId, int Count, TaskCompletionSource Signal)> _waiters = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        inner.Log(logLevel, eventId, state, exception, formatter);
        lock (_lock)
        {
            int count = _counts[eventId.Id] = _counts.GetValueOrDefault(eventId.Id) + 1;
            foreach ((int id, int wanted, TaskCompletionSource signal) in _waiters)
            {
                if (id == eventId.Id && count >= wanted)
                {
                    signal.TrySetResult();
                }
            }
        }
    }

    /// <summary>How many entries with <paramref name="eventId"/> were logged.</summary>
    public int Count(int eventId)
    {
        lock (_lock)
        {
            return _counts.GetValueOrDefault(eventId);
        }
    }

    /// <summary>Completes when <paramref name="count"/> entries with <paramref name="eventId"/> have been logged (fails after 30 s).</summary>
    public Task WaitForAsync(int eventId, int count = 1)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_counts.GetValueOrDefault(eventId) >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((eventId, count, signal));
        }

        return signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
