using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Codex.Auth.Proxy.Diagnostics;
using Codex.Auth.Resolution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Model;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// Runs inside the YARP pipeline, before forwarding: logs each request, checks the agent key, answers the agent's
/// refresh/revoke locally in forward mode, and fetches the host headers the request transform applies.
/// </summary>
internal sealed class ProxyPipeline
{
    public const string HostHeadersKey = "Codex.Auth.Proxy.HostHeaders";

    private readonly CodexAuthProxyOptions _options;
    private readonly HostCredentials _host;
    private readonly ProxyRouting _routing;
    private readonly ILogger _logger;
    private readonly byte[]? _agentKey;

    public ProxyPipeline(CodexAuthProxyOptions options, HostCredentials host, ProxyRouting routing, ILoggerFactory loggerFactory)
    {
        _options = options;
        _host = host;
        _routing = routing;
        _logger = loggerFactory.CreateLogger(ProxyLog.Category);
        _agentKey = options.AgentKey is { Length: > 0 } key ? Encoding.UTF8.GetBytes(key) : null;
    }

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        long started = Stopwatch.GetTimestamp();
        string cluster = context.GetReverseProxyFeature().Route.Config.ClusterId ?? "none";
        string upstream = cluster;
        string path = context.Request.Path.Value ?? "/";
        try
        {
            if (_options.LogHeaders)
            {
                ProxyLog.RequestHeaders(_logger, context.Request.Method, path, HeaderRedaction.Render(context.Request.Headers));
            }

            if (!HasAgentKey(context.Request))
            {
                upstream = "refused";
                ProxyLog.AgentKeyRejected(_logger, context.Request.Method, path);
                await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "codex_auth_proxy_key_required", $"This proxy requires the {CodexAuthProxyOptions.AgentKeyHeaderName} header.").ConfigureAwait(false);
                return;
            }

            if (_host.Enabled)
            {
                if (cluster == ProxyRoutes.AuthCluster && await TryAnswerLocallyAsync(context).ConfigureAwait(false))
                {
                    upstream = "local";
                    return;
                }

                if (cluster != ProxyRoutes.AuthCluster && !await PrepareHostHeadersAsync(context, cluster, path).ConfigureAwait(false))
                {
                    upstream = "refused";
                    return;
                }
            }

            if (cluster == ProxyRoutes.ChatGptCluster && !await _routing.PrepareAsync(context, WriteErrorAsync).ConfigureAwait(false))
            {
                upstream = "refused";
                return;
            }

            await next().ConfigureAwait(false);
        }
        finally
        {
            ProxyLog.RequestCompleted(_logger, context.Request.Method, path, upstream, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("code", code);
            writer.WriteString("type", "codex_auth_proxy_error");
            writer.WriteString("message", message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).AsTask();
    }

    private bool HasAgentKey(HttpRequest request)
    {
        if (_agentKey is null)
        {
            return true;
        }

        Microsoft.Extensions.Primitives.StringValues values = request.Headers[CodexAuthProxyOptions.AgentKeyHeaderName];
        if (values.Count != 1 || values[0] is not { } presented)
        {
            return false;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(presented);
        return CryptographicOperations.FixedTimeEquals(bytes, _agentKey);
    }

    private async Task<bool> TryAnswerLocallyAsync(HttpContext context)
    {
        // Every spelling the auth routes accept (/oauth//token, /api/oauth/token, /oauth2/token, /v1/oauth/token/, ...):
        // none of them may reach the real token endpoint with the agent's placeholder, or get a real answer.
        string requestPath = context.Request.Path.Value ?? "/";
        bool token = ProxyRoutes.IsTokenPath(requestPath);
        bool revoke = ProxyRoutes.IsRevokePath(requestPath);
        if (!token && !revoke)
        {
            return false;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.Headers.Allow = "POST";
            await WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Use POST.").ConfigureAwait(false);
            return true;
        }

        if (revoke)
        {
            // The agent's placeholder is "revoked"; the host's sign-in is untouched.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{}", context.RequestAborted).ConfigureAwait(false);
            return true;
        }

        PlaceholderTokens placeholders;
        try
        {
            placeholders = await _host.MintPlaceholdersAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (CodexAuthException ex)
        {
            ProxyLog.HostCredentialFailed(_logger, context.Request.Method, context.Request.Path.Value ?? "/", ex.Reason);
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "refresh_token_expired", "The proxy's host credentials cannot be renewed: " + ex.Message).ConfigureAwait(false);
            return true;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(placeholders.ToTokenResponseJson(_options.Clock.GetUtcNow()), context.RequestAborted).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> PrepareHostHeadersAsync(HttpContext context, string cluster, string path)
    {
        ResolvedCredential? credential = _host.Credential;
        if (credential is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "codex_auth_proxy_not_ready", "The proxy has not loaded the host's credentials.").ConfigureAwait(false);
            return false;
        }

        if (!HostCredentials.Fits(credential.Kind, cluster))
        {
            string message = credential.Kind == CodexCredentialSource.ApiKey
                ? "This proxy forwards the host's API key, which is sent only to /v1/; the ChatGPT backend needs a ChatGPT sign-in on the host (`codex login`)."
                : "This proxy forwards the host's ChatGPT sign-in, which is sent only to /backend-api/; OpenAI API requests (/v1/) need an API key.";
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "codex_auth_proxy_wrong_credential_kind", message).ConfigureAwait(false);
            return false;
        }

        try
        {
            context.Items[HostHeadersKey] = await credential.Provider.GetHeadersAsync(context.RequestAborted).ConfigureAwait(false);
            return true;
        }
        catch (CodexAuthException ex)
        {
            ProxyLog.HostCredentialFailed(_logger, context.Request.Method, path, ex.Reason);
            await WriteErrorAsync(context, StatusCodes.Status502BadGateway, "codex_auth_proxy_host_credentials", "The proxy's host credentials are unusable: " + ex.Message).ConfigureAwait(false);
            return false;
        }
    }
}
