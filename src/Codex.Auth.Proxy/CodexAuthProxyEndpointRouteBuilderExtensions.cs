using Codex.Auth.Proxy.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

// Extension methods live in the namespace of the type they extend, as in the Microsoft.Extensions family.
#pragma warning disable IDE0130
namespace Microsoft.AspNetCore.Builder;
#pragma warning restore IDE0130

/// <summary>Maps the Codex auth proxy's endpoints.</summary>
public static class CodexAuthProxyEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the proxy routes registered by <c>AddCodexAuthProxy</c>: <c>/backend-api/**</c>, <c>/v1/**</c> and the auth paths. Responses
    /// stream through unbuffered (server-sent events arrive as sent) and WebSocket upgrades are proxied with the same header rules.
    /// Also maps the proxy's own health endpoint, <see cref="Codex.Auth.Proxy.CodexAuthProxyOptions.HealthPath"/> (never forwarded).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <returns>A builder for conventions on the proxy endpoints.</returns>
    /// <exception cref="InvalidOperationException"><c>AddCodexAuthProxy</c> was not called.</exception>
    public static ReverseProxyConventionBuilder MapCodexAuthProxy(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ProxyPipeline pipeline = endpoints.ServiceProvider.GetService<ProxyPipeline>()
            ?? throw new InvalidOperationException("Call services.AddCodexAuthProxy(options) before app.MapCodexAuthProxy().");
        HealthEndpoint health = endpoints.ServiceProvider.GetRequiredService<HealthEndpoint>();
        endpoints.MapMethods(Codex.Auth.Proxy.CodexAuthProxyOptions.HealthPath, [HttpMethods.Get, HttpMethods.Head], health.InvokeAsync);
        return endpoints.MapReverseProxy(proxy =>
        {
            proxy.Use(pipeline.InvokeAsync);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
    }
}
