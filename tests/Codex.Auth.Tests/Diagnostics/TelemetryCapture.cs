using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Codex.Auth.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Tests.Diagnostics;

/// <summary>
/// Captures, at Trace level, every log line (formatted message, every state value, exception text), every stopped
/// <c>Codex.Auth</c> activity (name, tags, status, events) and every <c>Codex.Auth</c> measurement with its tags.
/// </summary>
public sealed class TelemetryCapture : ILoggerProvider, IDisposable
{
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly ConcurrentQueue<string> _activities = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, string Tags)> _measurements = new();
    private readonly ActivityListener _activityListener;
    private readonly MeterListener _meterListener;

    public TelemetryCapture()
    {
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(this));
        _activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == CodexAuthTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _activities.Enqueue(Describe(a)),
        };
        ActivitySource.AddActivityListener(_activityListener);
        _meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CodexAuthTelemetry.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meterListener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, Join(tags))));
        _meterListener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, Join(tags))));
        _meterListener.Start();
    }

    public ILoggerFactory LoggerFactory { get; }

    public IReadOnlyList<string> Logs => [.. _logs];

    public IReadOnlyList<string> Activities => [.. _activities];

    public IReadOnlyList<(string Instrument, double Value, string Tags)> Measurements => [.. _measurements];

    public string AllText => string.Join('\n', Logs.Concat(Activities).Concat(Measurements.Select(m => $"{m.Instrument} {m.Value} {m.Tags}")));

    public ILogger<T> Logger<T>() => LoggerFactory.CreateLogger<T>();

    /// <summary>Asserts that none of <paramref name="secrets"/> (nor a sizeable piece of one) appears anywhere captured.</summary>
    public void AssertContainsNone(IEnumerable<string> secrets)
    {
        const int Window = 16;
        string all = AllText;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i + Window <= all.Length; i++)
        {
            seen.Add(all.Substring(i, Window));
        }

        foreach (string secret in secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct())
        {
            Assert.True(secret.Length >= Window, $"test bug: '{secret[..Math.Min(4, secret.Length)]}…' is too short to be a meaningful secret");

            // Any 16-character piece of it: the whole value, a JWT's payload or signature on its own, a key's tail.
            for (int i = 0; i + Window <= secret.Length; i++)
            {
                string piece = secret.Substring(i, Window);
                Assert.False(seen.Contains(piece), $"A secret (fingerprint {Internal.Fingerprints.Of(secret)}) leaked into telemetry: …{piece}…");
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _logs);

    public void Dispose()
    {
        _activityListener.Dispose();
        _meterListener.Dispose();
        LoggerFactory.Dispose();
    }

    private static string Join(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            parts.Add($"{tag.Key}={tag.Value}");
        }

        return string.Join(',', parts);
    }

    private static string Describe(Activity a)
    {
        var text = new List<string> { a.OperationName, a.DisplayName, a.Status.ToString(), a.StatusDescription ?? string.Empty };
        text.AddRange(a.TagObjects.Select(t => $"{t.Key}={Convert.ToString(t.Value, CultureInfo.InvariantCulture)}"));
        foreach (ActivityEvent e in a.Events)
        {
            text.Add(e.Name);
            text.AddRange(e.Tags.Select(t => $"{t.Key}={Convert.ToString(t.Value, CultureInfo.InvariantCulture)}"));
        }

        text.AddRange(a.Baggage.Select(b => $"{b.Key}={b.Value}"));
        return "activity " + string.Join(' ', text);
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            sink.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new List<string> { category, logLevel.ToString(), eventId.ToString(), formatter(state, exception) };
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                line.AddRange(values.Select(v => $"{v.Key}={Convert.ToString(v.Value, CultureInfo.InvariantCulture)}"));
            }

            if (exception is not null)
            {
                line.Add(exception.ToString());
            }

            sink.Enqueue(string.Join(" | ", line));
        }
    }
}
