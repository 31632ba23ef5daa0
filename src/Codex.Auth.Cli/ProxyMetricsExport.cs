using System.Runtime.CompilerServices;
using Codex.Auth.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Codex.Auth.Cli;

/// <summary>
/// The opt-in metrics exporters of <c>codex-auth proxy</c>: the <c>Codex.Auth</c> meter (library and proxy instruments) to an
/// OpenTelemetry collector over OTLP/HTTP, and/or a Prometheus scrape endpoint on its own port. Both come from the OpenTelemetry
/// packages; their assemblies load only when one is asked for.
/// </summary>
internal static class ProxyMetricsExport
{
    /// <summary>Starts the exporters asked for, or returns <see langword="null"/>. Disposing flushes and stops them.</summary>
    public static IDisposable? Start(Uri? otlp, (string Host, int Port)? prometheus, TimeSpan interval) =>
        otlp is null && prometheus is null ? null : Build(otlp, prometheus, interval);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MeterProvider Build(Uri? otlp, (string Host, int Port)? prometheus, TimeSpan interval)
    {
        MeterProviderBuilder builder = Sdk.CreateMeterProviderBuilder().AddMeter(CodexAuthTelemetry.MeterName);
        if (prometheus is { } scrape)
        {
            builder.AddPrometheusHttpListener(o =>
            {
                o.Host = scrape.Host.Contains(':', StringComparison.Ordinal) ? $"[{scrape.Host}]" : scrape.Host;
                o.Port = scrape.Port;
            });
        }

        if (otlp is not null)
        {
            Uri endpoint = otlp.AbsolutePath is "/" or "" ? new Uri(otlp, "v1/metrics") : otlp;
            builder.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
            });
        }

        return builder.Build();
    }
}
