using Codex.Auth.Proxy.Diagnostics;
using Yarp.ReverseProxy.Forwarder;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// YARP's upstream client with the proxy's connect timeout, and a handler that times each upstream exchange (to the response
/// headers) for <see cref="CodexAuthProxyTelemetry.UpstreamDurationInstrumentName"/>.
/// </summary>
internal sealed class ProxyHttpClientFactory(CodexAuthProxyOptions options) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = options.UpstreamConnectTimeout;
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new UpstreamTimingHandler(base.WrapHandler(context, handler), ProxyMetrics.Route(context.ClusterId));
}
