using Codex.Auth.Proxy.Diagnostics;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// The per-route transforms: never forward the agent key or X-Forwarded-*; keep <c>%2F</c> in paths as sent; in forward mode strip
/// every agent credential header (incoming copy and outgoing message, any casing, any number of copies, <c>Cookie</c> included) and
/// apply the host's headers, and drop the upstream's <c>Set-Cookie</c>; on a 401 from the ChatGPT backend, let the host provider
/// recover so that the agent's retry carries a renewed token — only when the rejected credential is still the one in use, and at
/// most once per host credential per recovery interval. On the ChatGPT route, workspace routing (<see cref="ProxyRouting"/>):
/// model calls go to the discovered origin, the agent's discovery answer names the proxy.
/// </summary>
internal sealed class CredentialTransformProvider(HostCredentials host, ProxyRouting routing, ILoggerFactory loggerFactory, CodexAuthProxyOptions options) : ITransformProvider
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(ProxyLog.Category);
    private readonly RecoveryLimiter _limiter = new(options.Clock, options.UpstreamRejectionRecoveryInterval);

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

            // Last: it builds the outgoing URI from the final destination (routing may have moved it).
            EncodedSlashes.Preserve(transform);
            return ValueTask.CompletedTask;
        });

        if (host.Enabled)
        {
            // The upstream's cookies belong to the host's session, not to the agent (which never sends cookies in forward mode).
            context.AddResponseTransform(transform =>
            {
                foreach (string name in CredentialHeaders.ResponseNames)
                {
                    transform.HttpContext.Response.Headers.Remove(name);
                }

                return ValueTask.CompletedTask;
            });
        }

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

                // Only the credential still in use is worth renewing, and an agent may not make the host refresh at will.
                AuthHeaders current;
                try
                {
                    current = await credential.Provider.GetHeadersAsync(transform.HttpContext.RequestAborted).ConfigureAwait(false);
                }
                catch (CodexAuthException)
                {
                    return;
                }

                if (!current.HasSameCredential(used))
                {
                    ProxyMetrics.RecordRecovery("not_current");
                    ProxyLog.RecoverySkipped(_logger, used.Fingerprint, "the host credential has changed since");
                    return;
                }

                if (!_limiter.TryClaim(used.AccountId ?? "host"))
                {
                    ProxyMetrics.RecordRecovery("rate_limited");
                    ProxyLog.RecoverySkipped(_logger, used.Fingerprint, "a recovery for it ran less than the recovery interval ago");
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

                ProxyMetrics.RecordRecovery(recovered ? "recovered" : "not_recovered");
                ProxyLog.UpstreamRejected(_logger, used.Fingerprint, recovered);
            });
        }
    }
}
