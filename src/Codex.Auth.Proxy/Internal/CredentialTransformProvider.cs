using Codex.Auth.Proxy.Diagnostics;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// The per-route transforms: never forward the agent key or X-Forwarded-*; in forward mode strip every agent credential header
/// (incoming copy and outgoing message, any casing, any number of copies) and apply the host's headers; on a 401 from the
/// ChatGPT backend, let the host provider recover so that the agent's retry carries a renewed token. On the ChatGPT route, workspace
/// routing (<see cref="ProxyRouting"/>): model calls go to the discovered origin, the agent's discovery answer names the proxy.
/// </summary>
internal sealed class CredentialTransformProvider(HostCredentials host, ProxyRouting routing, ILoggerFactory loggerFactory) : ITransformProvider
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(ProxyLog.Category);

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.UseDefaultForwarders = false;
        string cluster = context.Route.ClusterId ?? string.Empty;
        context.AddRequestTransform(transform =>
        {
            transform.HttpContext.Request.Headers.Remove(CodexAuthProxyOptions.AgentKeyHeaderName);
            transform.ProxyRequest.Headers.Remove(CodexAuthProxyOptions.AgentKeyHeaderName);
            if (host.Enabled)
            {
                CredentialHeaders.StripFrom(transform.HttpContext.Request.Headers);
                CredentialHeaders.StripFrom(transform.ProxyRequest.Headers);
                CredentialHeaders.StripFrom(transform.ProxyRequest.Content?.Headers);
                if (transform.HttpContext.Items[ProxyPipeline.HostHeadersKey] is AuthHeaders headers)
                {
                    headers.ApplyTo(transform.ProxyRequest.Headers);
                }
            }

            if (cluster == ProxyRoutes.ChatGptCluster)
            {
                routing.ApplyTo(transform);
            }

            return ValueTask.CompletedTask;
        });

        if (cluster == ProxyRoutes.ChatGptCluster)
        {
            context.AddResponseTransform(routing.RewriteDiscoveryAsync);
            context.AddResponseTransform(async transform =>
            {
                if (!host.Enabled
                    || transform.ProxyResponse?.StatusCode != System.Net.HttpStatusCode.Unauthorized
                    || transform.HttpContext.Items[ProxyPipeline.HostHeadersKey] is not AuthHeaders used
                    || host.Credential is not { Provider.SupportsRecovery: true } credential)
                {
                    return;
                }

                bool recovered;
                try
                {
                    recovered = await credential.Provider.RecoverAsync(used, transform.HttpContext.RequestAborted).ConfigureAwait(false);
                }
                catch (CodexAuthException)
                {
                    recovered = false;
                }

                ProxyLog.UpstreamRejected(_logger, used.Fingerprint, recovered);
            });
        }
    }
}
