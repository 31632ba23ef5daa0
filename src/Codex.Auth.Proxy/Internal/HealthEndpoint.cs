using System.Text.Json;
using Codex.Auth.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// <c>GET /.codex-auth/health</c>: the host credential's health (<see cref="CodexAuthHealthCheck"/>) as JSON, 200 when healthy or
/// degraded, 503 when unhealthy. Answered by the proxy itself: never forwarded, no agent key needed, no secret in the answer.
/// </summary>
internal sealed class HealthEndpoint(CodexAuthProxyOptions options, HostCredentials host)
{
    public async Task InvokeAsync(HttpContext context)
    {
        HealthCheckResult result = await CheckAsync(context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = result.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("status", result.Status switch { HealthStatus.Healthy => "healthy", HealthStatus.Degraded => "degraded", _ => "unhealthy" });
            writer.WriteString("mode", host.Enabled ? "forward" : "transparent");
            writer.WriteString("description", result.Description);
            writer.WriteStartObject("data");
            foreach (KeyValuePair<string, object> item in result.Data)
            {
                writer.WriteString(item.Key, Convert.ToString(item.Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (!host.Enabled)
        {
            return HealthCheckResult.Healthy("Transparent mode: the agent's own credentials pass through; the proxy holds none.");
        }

        if (host.Credential is not { } credential)
        {
            return HealthCheckResult.Unhealthy("The proxy has not loaded the host's credentials.");
        }

        return await new CodexAuthHealthCheck(credential.Provider, options.Clock)
            .CheckHealthAsync(new HealthCheckContext(), cancellationToken)
            .ConfigureAwait(false);
    }
}
