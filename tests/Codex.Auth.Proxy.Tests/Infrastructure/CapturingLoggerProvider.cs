using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Proxy.Tests.Infrastructure;

/// <summary>Collects every formatted log line (and its structured values) so tests can check for leaks.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string All => string.Join("\n", _lines);

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        string line = formatter(state, exception);
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            line += " {" + string.Join(", ", values.Select(v => v.Key + "=" + v.Value)) + "}";
        }

        if (exception is not null)
        {
            line += " " + exception;
        }

        _lines.Enqueue(line);
    }

    public void Dispose()
    {
    }
}
