using System.Diagnostics;
using Codex.Auth.Proxy.Diagnostics;

namespace Codex.Auth.Proxy.Internal;

/// <summary>Times each upstream exchange, from sending to the response headers, when someone listens to the upstream-duration histogram.</summary>
internal sealed class UpstreamTimingHandler(HttpMessageHandler inner, string route) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        ProxyMetrics.UpstreamDuration.Enabled ? TimedAsync(request, cancellationToken) : base.SendAsync(request, cancellationToken);

    private async Task<HttpResponseMessage> TimedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        ProxyMetrics.RecordUpstream(route, started, (int)response.StatusCode);
        return response;
    }
}
