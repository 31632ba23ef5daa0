using System.Globalization;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// The request limits (<see cref="CodexAuthProxyOptions.MaxRequestHeadersTotalSize"/>, <see cref="CodexAuthProxyOptions.MaxRequestBodySize"/>)
/// checked before forwarding, and a JSON reason for every forwarding failure YARP reports with a bare status code
/// (upstream unreachable or too slow, a body over the limit while streaming).
/// </summary>
internal static class ProxyLimits
{
    /// <summary>Answers 431 or 413 with a JSON reason and returns false when the request is over a limit.</summary>
    public static async ValueTask<bool> CheckRequestAsync(HttpContext context, CodexAuthProxyOptions options)
    {
        long headerBytes = 0;
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in context.Request.Headers)
        {
            headerBytes += header.Key.Length;
            foreach (string? value in header.Value)
            {
                headerBytes += value?.Length ?? 0;
            }
        }

        if (headerBytes > options.MaxRequestHeadersTotalSize)
        {
            await ProxyPipeline.WriteErrorAsync(
                context,
                StatusCodes.Status431RequestHeaderFieldsTooLarge,
                "codex_auth_proxy_headers_too_large",
                string.Create(CultureInfo.InvariantCulture, $"The request headers ({headerBytes} bytes) exceed the proxy's limit of {options.MaxRequestHeadersTotalSize} bytes (--max-request-headers-size).")).ConfigureAwait(false);
            return false;
        }

        if (context.Request.ContentLength > options.MaxRequestBodySize)
        {
            await BodyTooLargeAsync(context, options).ConfigureAwait(false);
            return false;
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit
            && (limit.MaxRequestBodySize is null || limit.MaxRequestBodySize > options.MaxRequestBodySize))
        {
            limit.MaxRequestBodySize = options.MaxRequestBodySize; // a chunked body over the limit fails while streaming (below)
        }

        return true;
    }

    /// <summary>After forwarding: when YARP failed before the response started, write a JSON reason with the status it chose (or 413).</summary>
    public static Task ExplainForwarderErrorAsync(HttpContext context, CodexAuthProxyOptions options)
    {
        if (context.Features.Get<IForwarderErrorFeature>() is not { } error || context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        for (Exception? e = error.Exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
            {
                return BodyTooLargeAsync(context, options);
            }
        }

        int status = context.Response.StatusCode;
        (string code, string message) = error.Error switch
        {
            ForwarderError.RequestTimedOut => ("codex_auth_proxy_upstream_timeout", "The upstream did not answer in time."),
            ForwarderError.Request or ForwarderError.RequestCreation or ForwarderError.NoAvailableDestinations => ("codex_auth_proxy_upstream_unreachable",
                string.Create(CultureInfo.InvariantCulture, $"The proxy could not reach the upstream (connection refused or failed, or no connection within {options.UpstreamConnectTimeout.TotalSeconds:0.#} s).")),
            ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled => (string.Empty, string.Empty), // the client went away
            ForwarderError.RequestBodyClient => ("codex_auth_proxy_request_body", "The proxy could not read the request body from the client."),
            _ => ("codex_auth_proxy_upstream_error", "Forwarding the request upstream failed."),
        };
        if (code.Length == 0 || status < 400)
        {
            return Task.CompletedTask;
        }

        return ProxyPipeline.WriteErrorAsync(context, status, code, message);
    }

    private static Task BodyTooLargeAsync(HttpContext context, CodexAuthProxyOptions options) =>
        ProxyPipeline.WriteErrorAsync(
            context,
            StatusCodes.Status413PayloadTooLarge,
            "codex_auth_proxy_body_too_large",
            string.Create(CultureInfo.InvariantCulture, $"The request body exceeds the proxy's limit of {options.MaxRequestBodySize} bytes (--max-request-body-size)."));
}
