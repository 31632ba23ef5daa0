using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Proxy.Diagnostics;
using Codex.Auth.Resolution;
using Codex.Auth.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// Workspace routing through the proxy (PROTOCOL §9): keeps the agent on the proxy by rewriting the origin its routing discovery
/// answer names, and sends the agent's model calls (HTTP and WebSocket) to the discovered origin itself — with the host's
/// credentials and routing override in forward mode, with the agent's own in transparent mode.
/// </summary>
internal sealed class ProxyRouting : IDisposable
{
    public const string RoutingKey = "Codex.Auth.Proxy.Routing";
    private const string DiscoveryPath = "/backend-api/wham/accounts/check";
    private const string ModelPathPrefix = "/backend-api/codex/";

    private readonly CodexAuthProxyOptions _options;
    private readonly HostCredentials _host;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly Uri _chatGptBaseUrl;
    private readonly string _upstreamPath;
    private readonly ConcurrentDictionary<string, WorkspaceRouting> _agentRouting = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private WorkspaceRouter? _hostRouter;
    private IAuthProvider? _hostRouterProvider;

    public ProxyRouting(CodexAuthProxyOptions options, HostCredentials host, ILoggerFactory loggers)
    {
        _options = options;
        _host = host;
        _loggers = loggers;
        _logger = loggers.CreateLogger(ProxyLog.Category);
        _chatGptBaseUrl = Upstreams.Append(options.ChatGptUpstream, string.Empty);
        _upstreamPath = options.ChatGptUpstream.AbsolutePath.TrimEnd('/');
    }

    public static bool IsDiscovery(string path) =>
        string.Equals(path.Length > 1 ? path.TrimEnd('/') : path, DiscoveryPath, StringComparison.OrdinalIgnoreCase);

    public static bool IsModelCall(string path) => path.StartsWith(ModelPathPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Before forwarding a model call: finds its routing. Writes the error and returns false when discovery fails.</summary>
    public async Task<bool> PrepareAsync(HttpContext context, Func<HttpContext, int, string, string, Task> writeError)
    {
        string path = context.Request.Path.Value ?? "/";
        if (!IsModelCall(path))
        {
            return true;
        }

        if (!_host.Enabled)
        {
            string account = context.Request.Headers[CodexAuthHeaderNames.AccountId].ToString().Trim();
            if (account.Length > 0 && _agentRouting.TryGetValue(account, out WorkspaceRouting? known))
            {
                context.Items[RoutingKey] = known;
            }

            return true;
        }

        if (context.Items[ProxyPipeline.HostHeadersKey] is not AuthHeaders headers || _host.Credential is not { } credential)
        {
            return true;
        }

        try
        {
            WorkspaceRouting? routing = await RouterFor(credential).GetRoutingAsync(headers, context.RequestAborted).ConfigureAwait(false);
            if (routing is not null)
            {
                context.Items[RoutingKey] = routing;
            }

            return true;
        }
        catch (CodexAuthException ex)
        {
            ProxyLog.RoutingFailed(_logger, context.Request.Method, path, ex.Reason);
            await writeError(context, StatusCodes.Status502BadGateway, "codex_auth_proxy_routing", "The proxy could not route this call to the workspace's backend: " + ex.Message).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Request transform: a routed call goes to the discovered origin; forward mode sends the host's routing override.</summary>
    public void ApplyTo(RequestTransformContext transform)
    {
        HttpContext context = transform.HttpContext;
        if (IsDiscovery(context.Request.Path.Value ?? "/"))
        {
            // The answer is rewritten, so it must arrive uncompressed.
            context.Request.Headers.Remove("Accept-Encoding");
            transform.ProxyRequest.Headers.Remove("Accept-Encoding");
            return;
        }

        if (context.Items[RoutingKey] is not WorkspaceRouting routing)
        {
            if (_host.Enabled)
            {
                StripOverride(transform);
            }

            return;
        }

        if (routing.IsOriginDiscovered)
        {
            transform.DestinationPrefix = routing.BackendOrigin.GetLeftPart(UriPartial.Authority) + _upstreamPath;
        }

        if (_host.Enabled)
        {
            StripOverride(transform);
            if (routing.IsConstrained)
            {
                transform.ProxyRequest.Headers.TryAddWithoutValidation(CodexAuthHeaderNames.AccountRoutingOverride, routing.RoutingOverride);
            }
        }
    }

    /// <summary>Response transform of the agent's discovery call: the origin it names becomes the proxy's own.</summary>
    public async ValueTask RewriteDiscoveryAsync(ResponseTransformContext transform)
    {
        HttpContext context = transform.HttpContext;
        if (!IsDiscovery(context.Request.Path.Value ?? "/") || transform.ProxyResponse is not { StatusCode: System.Net.HttpStatusCode.OK } response)
        {
            return;
        }

        string body = await response.Content.ReadAsStringAsync(transform.CancellationToken).ConfigureAwait(false);
        string? account = _host.Enabled
            ? (context.Items[ProxyPipeline.HostHeadersKey] as AuthHeaders)?.AccountId
            : context.Request.Headers[CodexAuthHeaderNames.AccountId].ToString().Trim();
        string agentOrigin = context.Request.IsHttps ? "https://" + context.Request.Host.Value : WorkspaceRouting.NoConstraint;
        if (!string.IsNullOrEmpty(account))
        {
            try
            {
                WorkspaceRouting routing = WorkspaceRouting.Parse(body, account, _chatGptBaseUrl, _options.Clock.GetUtcNow());
                if (!_host.Enabled)
                {
                    _agentRouting[account] = routing;
                }

                ProxyLog.DiscoveryRewritten(_logger, account, routing.BackendOrigin.GetLeftPart(UriPartial.Authority), routing.RoutingOverride, agentOrigin);
            }
            catch (CodexAuthException ex)
            {
                ProxyLog.RoutingFailed(_logger, context.Request.Method, context.Request.Path.Value ?? "/", ex.Reason);
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                transform.ProxyResponse.Content = new StringContent(ErrorJson("codex_auth_proxy_routing", ex.Message), Encoding.UTF8, "application/json");
                return;
            }
        }

        transform.ProxyResponse.Content = new StringContent(Rewrite(body, agentOrigin), Encoding.UTF8, "application/json");
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _hostRouter?.Dispose();
            _hostRouter = null;
        }
    }

    /// <summary>Every origin the answer names (other than NO_CONSTRAINT) becomes <paramref name="agentOrigin"/>; the rest is kept.</summary>
    internal static string Rewrite(string body, string agentOrigin)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return body;
        }

        IEnumerable<JsonNode?> accounts = root?["accounts"] switch
        {
            JsonArray list => list,
            JsonObject map => map.Select(entry => entry.Value is JsonObject wrapper ? wrapper["account"] ?? wrapper : null),
            _ => [],
        };
        foreach (JsonObject account in accounts.OfType<JsonObject>())
        {
            if (account["workspace_backend_origin"] is JsonValue origin && origin.TryGetValue(out string? text)
                && !string.Equals(text, WorkspaceRouting.NoConstraint, StringComparison.Ordinal))
            {
                account["workspace_backend_origin"] = agentOrigin;
            }
        }

        return root!.ToJsonString();
    }

    private static void StripOverride(RequestTransformContext transform)
    {
        transform.HttpContext.Request.Headers.Remove(CodexAuthHeaderNames.AccountRoutingOverride);
        transform.ProxyRequest.Headers.Remove(CodexAuthHeaderNames.AccountRoutingOverride);
    }

    private static string ErrorJson(string code, string message)
    {
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

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private WorkspaceRouter RouterFor(ResolvedCredential credential)
    {
        lock (_gate)
        {
            if (_hostRouter is null || !ReferenceEquals(_hostRouterProvider, credential.Provider))
            {
                _hostRouter?.Dispose();
                _hostRouter = new WorkspaceRouter(
                    credential.Provider,
                    new WorkspaceRouterOptions { ChatGptBaseUrl = _chatGptBaseUrl },
                    httpClient: null,
                    _options.Clock,
                    _loggers.CreateLogger<WorkspaceRouter>());
                _hostRouterProvider = credential.Provider;
            }

            return _hostRouter;
        }
    }
}
