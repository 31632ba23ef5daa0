using System.Net;
using System.Net.Http.Json;
using Codex.Auth.Routing;

namespace Codex.Auth.Http;

/// <summary>
/// A <see cref="DelegatingHandler"/> that authenticates every attempt of a request with an <see cref="IAuthProvider"/>.
/// </summary>
/// <remarks>
/// <para>With a <see cref="WorkspaceRouter"/>, model calls (<c>…/backend-api/codex/…</c>) are sent to the account's discovered
/// workspace origin with <c>x-openai-account-routing-override</c> (PROTOCOL §9), and residency is enforced when configured.</para>
/// <para>For every attempt it checks the destination (HTTPS, or loopback; an allowed host), removes any
/// caller-supplied <c>Authorization</c>, <c>ChatGPT-Account-ID</c> and <c>X-OpenAI-Fedramp</c> headers, and applies
/// the provider's. On HTTP 401 it asks the provider to recover once and, when that is worthwhile and the request
/// content can be sent again, disposes the 401 response and resends once with fresh headers; content that cannot be
/// sent again (a stream) gets the 401 back, after the recovery, so the next request carries the renewed credential.</para>
/// <para>Redirects are never followed with credentials to another origin: before its first request the handler
/// switches automatic redirects off on the inner handler and, if that one was following them, follows same-origin
/// redirects itself (each hop re-checked and re-authenticated); a redirect to another scheme, host or port is
/// returned to the caller unfollowed.</para>
/// <para>The handler holds no token state; the provider (a singleton) does, so <c>IHttpClientFactory</c> may
/// recycle handler chains freely. When credentials are cached the handler completes synchronously up to the
/// inner handler and allocates nothing of its own.</para>
/// <para>Put resilience handlers <em>outside</em> this handler (register them first) so that every retry is
/// re-authenticated.</para>
/// </remarks>
/// <example>
/// <code>
/// services.AddCodexAuth();
/// services.AddHttpClient("codex")
///         .AddStandardResilienceHandler().Services   // outermost: transient retries
///         .AddHttpClient("codex").AddCodexAuthHandler(); // innermost: auth + one 401 recovery
/// </code>
/// </example>
public sealed class CodexAuthHandler : DelegatingHandler
{
    private readonly IAuthProvider _provider;

    /// <summary><see cref="_provider"/> when its headers never change once resolved (an API key, a personal access token).</summary>
    private readonly Internal.IFixedAuthHeaders? _fixedHeaders;
    private readonly WorkspaceRouter? _router;
    private readonly object _redirectGate = new();
    private volatile bool _redirectsTakenOver;
    private bool _followRedirects;

    /// <summary>
    /// Set once redirects are taken over (<see cref="TakeOverRedirects"/>) when this handler has no router: then <see cref="SendAsync"/>
    /// takes its small path. Written after <see cref="_followRedirects"/>, under the same lock.
    /// </summary>
    private volatile bool _takenOverWithoutRouter;

    /// <summary>The most redirects followed for one request (as <see cref="HttpClientHandler.MaxAutomaticRedirections"/>).</summary>
    private const int MaxRedirects = 50;
    private readonly string[] _allowedHosts;

    /// <summary>
    /// <see cref="_allowedHosts"/> as <see cref="Uri.IdnHost"/> spells hosts (ASCII lower case), for the ordinal fast path of
    /// the destination check: a case-insensitive comparison of a short host cost ~10 ns per request, more than the rest
    /// of the check.
    /// </summary>
    private readonly string[] _allowedHostsAsIdn;

    /// <summary><c>_allowedHostsAsIdn[0]</c>, or <see langword="null"/> (matching no host) when there is none.</summary>
    private readonly string? _firstAllowedHostAsIdn;
    private readonly bool _allowLoopback;
    private readonly bool _recoverOnUnauthorized;

    /// <summary>Creates a handler with default rules.</summary>
    /// <param name="provider">The credential provider.</param>
    public CodexAuthHandler(IAuthProvider provider)
        : this(provider, new CodexAuthHandlerOptions())
    {
    }

    /// <summary>Creates a handler.</summary>
    /// <param name="provider">The credential provider.</param>
    /// <param name="options">Where credentials may be sent.</param>
    public CodexAuthHandler(IAuthProvider provider, CodexAuthHandlerOptions options)
        : this(provider, options, router: null)
    {
    }

    /// <summary>Creates a handler that also follows workspace routing (PROTOCOL §9).</summary>
    /// <param name="provider">The credential provider.</param>
    /// <param name="options">Where credentials may be sent.</param>
    /// <param name="router">
    /// Routes model calls (<c>…/backend-api/codex/…</c>) to the account's discovered origin with <c>x-openai-account-routing-override</c>,
    /// and enforces residency; <see langword="null"/> sends every request where the caller addressed it. The discovered origin's
    /// host is admitted as a destination (and no other host is added).
    /// </param>
    /// <example>
    /// <code>
    /// using var router = new WorkspaceRouter(provider);
    /// var handler = new CodexAuthHandler(provider, new CodexAuthHandlerOptions(), router) { InnerHandler = new SocketsHttpHandler() };
    /// </code>
    /// </example>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An entry of <see cref="CodexAuthHandlerOptions.AllowedHosts"/> is not a host name.</exception>
    public CodexAuthHandler(IAuthProvider provider, CodexAuthHandlerOptions options, WorkspaceRouter? router)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(options);
        Internal.OptionsChecks.ThrowIfInvalid(CodexAuthHandlerOptionsValidator.Instance, options);
        _provider = provider;
        _fixedHeaders = provider as Internal.IFixedAuthHeaders;
        _router = router;
        var hosts = new List<string>();
        if (options.AllowProviderBaseUrlHost && provider.BaseUrl is { } baseUrl)
        {
            hosts.Add(baseUrl.IdnHost);
        }

        // Blank entries never get here: the validator above refuses them.
        foreach (string host in options.AllowedHosts)
        {
            hosts.Add(host.Trim().TrimEnd('.'));
        }

        _allowedHosts = hosts.Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        _allowedHostsAsIdn = Array.ConvertAll(_allowedHosts, static host => System.Text.Ascii.IsValid(host) ? host.ToLowerInvariant() : host);
        _firstAllowedHostAsIdn = _allowedHostsAsIdn.Length > 0 ? _allowedHostsAsIdn[0] : null;
        _allowLoopback = options.AllowLoopback;
        _recoverOnUnauthorized = options.RetryOnUnauthorized && provider.SupportsRecovery;
    }

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_takenOverWithoutRouter)
        {
            return SendFirstOrRoutedAsync(request, cancellationToken);
        }

        // The common case, kept small (it inlines well and holds no struct with references across calls): redirects already
        // taken over, no router. The same steps as SendOnceAsync, then the same redirect handling as SendFirstOrRoutedAsync.
        CheckDestination(request.RequestUri);
        Task<HttpResponseMessage> responseTask;

        // Fixed headers (an API key, a personal access token) once resolved: read directly; they are never recovered, no 401 path.
        if (_fixedHeaders?.ResolvedHeaders is { } fixedHeaders)
        {
            fixedHeaders.ApplyTo(request.Headers);
            responseTask = base.SendAsync(request, cancellationToken);
        }
        else
        {
            ValueTask<AuthHeaders> pending = _provider.GetHeadersAsync(cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                AuthHeaders headers = pending.Result;
                headers.ApplyTo(request.Headers);
                responseTask = base.SendAsync(request, cancellationToken);
                if (_recoverOnUnauthorized)
                {
                    responseTask = RecoverIfUnauthorized(request, headers, RoutingNeed.None, responseTask, cancellationToken);
                }
            }
            else
            {
                responseTask = SendAfterHeadersAsync(request, pending.AsTask(), cancellationToken);
            }
        }

        return _followRedirects ? FollowIfRedirect(request, responseTask, cancellationToken) : responseTask;
    }

    /// <summary>
    /// Everything <see cref="SendAsync"/>'s small path does not cover: the first request (which takes redirects over) and workspace routing.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Task<HttpResponseMessage> SendFirstOrRoutedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!_redirectsTakenOver)
        {
            TakeOverRedirects();
        }

        Task<HttpResponseMessage> responseTask = SendOnceAsync(request, cancellationToken);
        return _followRedirects ? FollowIfRedirect(request, responseTask, cancellationToken) : responseTask;
    }

    /// <summary>When this handler follows redirects itself: a completed response that is not a redirect is returned as it is.</summary>
    private Task<HttpResponseMessage> FollowIfRedirect(HttpRequestMessage request, Task<HttpResponseMessage> responseTask, CancellationToken cancellationToken) =>
        responseTask.IsCompletedSuccessfully && !IsRedirect(responseTask.Result.StatusCode)
            ? responseTask
            : FollowSameOriginRedirectsAsync(request, responseTask, cancellationToken);

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        CheckDestination(request.RequestUri);

        ValueTask<AuthHeaders> pending = _provider.GetHeadersAsync(cancellationToken);
        if (!pending.IsCompletedSuccessfully)
        {
            return SendAfterHeadersAsync(request, pending.AsTask(), cancellationToken);
        }

        AuthHeaders headers = pending.Result;
        RoutingNeed need = RoutingNeed.None;
        if (_router is not null && (need = _router.NeedsOf(request.RequestUri!)) != RoutingNeed.None)
        {
            ValueTask<WorkspaceRouting?> routing = _router.GetRoutingAsync(headers, cancellationToken);
            if (!routing.IsCompletedSuccessfully)
            {
                return SendAfterRoutingAsync(request, headers, need, routing.AsTask(), cancellationToken);
            }

            headers.ApplyTo(request.Headers);
            WorkspaceRouter.Apply(request, routing.Result, need);
        }
        else
        {
            headers.ApplyTo(request.Headers);
        }

        Task<HttpResponseMessage> responseTask = base.SendAsync(request, cancellationToken);
        return _recoverOnUnauthorized ? RecoverIfUnauthorized(request, headers, need, responseTask, cancellationToken) : responseTask;
    }

    /// <summary>The 401 recovery, when the provider supports it: a response that has completed and is not 401 is returned as it is.</summary>
    private Task<HttpResponseMessage> RecoverIfUnauthorized(HttpRequestMessage request, AuthHeaders headers, RoutingNeed need, Task<HttpResponseMessage> responseTask, CancellationToken cancellationToken) =>
        responseTask.IsCompletedSuccessfully && responseTask.Result.StatusCode != HttpStatusCode.Unauthorized
            ? responseTask
            : RecoverIfUnauthorizedAsync(request, headers, need, responseTask, cancellationToken);

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Switches automatic redirects off below this handler, once, before its first request: the inner handler would
    /// otherwise follow a redirect to any origin carrying <c>ChatGPT-Account-ID</c> and <c>X-OpenAI-Fedramp</c>
    /// without the destination check. When the inner handler was following redirects, this handler follows the
    /// same-origin ones itself (each hop re-checked and re-authenticated) and returns any other redirect unfollowed.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void TakeOverRedirects()
    {
        lock (_redirectGate)
        {
            if (_redirectsTakenOver)
            {
                return;
            }

            (bool wasFollowing, _) = Backchannel.BackchannelRedirects.TakeOver(InnerHandler);
            _followRedirects = wasFollowing;
            _redirectsTakenOver = true;
            _takenOverWithoutRouter = _router is null;
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect or HttpStatusCode.MultipleChoices;

    private async Task<HttpResponseMessage> FollowSameOriginRedirectsAsync(HttpRequestMessage request, Task<HttpResponseMessage> responseTask, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await responseTask.ConfigureAwait(false);
        for (int hop = 0; hop < MaxRedirects && IsRedirect(response.StatusCode); hop++)
        {
            Uri current = request.RequestUri!;
            if (response.Headers.Location is not { } location)
            {
                return response;
            }

            Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (!string.Equals(next.Scheme, current.Scheme, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(next.IdnHost, current.IdnHost, StringComparison.OrdinalIgnoreCase)
                || next.Port != current.Port)
            {
                // Another origin: credentials are never carried there, so the redirect is the caller's to handle.
                return response;
            }

            HttpStatusCode status = response.StatusCode;
            bool toGet = (status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found && request.Method == HttpMethod.Post)
                || (status == HttpStatusCode.SeeOther && request.Method != HttpMethod.Head);
            if (!toGet && !CanResend(request.Content))
            {
                return response;
            }

            response.Dispose();
            request.RequestUri = next;
            if (toGet)
            {
                request.Method = HttpMethod.Get;
                request.Content = null;
            }

            response = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    /// <summary>Whether <paramref name="content"/> can be serialized again for a retry.</summary>
    internal static bool CanResend(HttpContent? content) => content switch
    {
        null => true,
        ByteArrayContent => true, // includes StringContent and FormUrlEncodedContent
        ReadOnlyMemoryContent => true,
        JsonContent => true,
        MultipartContent multipart => multipart.All(CanResend),
        _ => false,
    };

    /// <summary>
    /// The per-request destination check. The common case (an absolute HTTPS URI whose host is on the allow-list as
    /// <see cref="Uri.IdnHost"/> spells it, or loopback when allowed) stays small enough to inline; anything else goes to
    /// <see cref="CheckDestinationSlow"/>, which gives the same answers as before (case-insensitive hosts, discovered
    /// workspace hosts, the exceptions).
    /// </summary>
    private void CheckDestination(Uri? uri)
    {
        if (uri is not null && uri.IsAbsoluteUri)
        {
            if (uri.IsLoopback && _allowLoopback)
            {
                return;
            }

            // Uri.Scheme returns the parser's interned name for known schemes, so the reference test is the fast path;
            // Uri.IdnHost is ASCII lower case, as _allowedHostsAsIdn is (for ASCII entries), so an ordinal test suffices here.
            // The first allowed host (the provider's, usually the only one) is tested before the loop: no loop state to keep across the
            // comparison on the common path.
            if (ReferenceEquals(uri.Scheme, Uri.UriSchemeHttps))
            {
                string host = uri.IdnHost;
                if (string.Equals(host, _firstAllowedHostAsIdn, StringComparison.Ordinal))
                {
                    return;
                }

                string[] allowedAsIdn = _allowedHostsAsIdn;
                for (int i = 1; i < allowedAsIdn.Length; i++)
                {
                    if (string.Equals(host, allowedAsIdn[i], StringComparison.Ordinal))
                    {
                        return;
                    }
                }
            }
        }

        CheckDestinationSlow(uri);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void CheckDestinationSlow(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new InvalidOperationException("The request has no absolute RequestUri; set HttpClient.BaseAddress to the provider's BaseUrl or use absolute URIs.");
        }

        if (uri.IsLoopback && _allowLoopback)
        {
            return;
        }

        if (!string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.InsecureTransport,
                $"Refusing to send credentials to {uri.Scheme}://{uri.Authority}: credentials are only sent over HTTPS (loopback excepted).",
                "Use an https:// URL.");
        }

        string host = uri.IdnHost;
        foreach (string allowed in _allowedHosts)
        {
            if (string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        if (_router is not null && _router.IsDiscoveredHost(host))
        {
            return;
        }

        throw new CodexAuthException(
            CodexAuthFailureReason.HostNotAllowed,
            $"Refusing to send credentials to '{uri.Host}': it is not {(_allowedHosts.Length == 0 ? "an allowed host" : "one of the allowed hosts (" + string.Join(", ", _allowedHosts) + ")")}.",
            "Add the host to CodexAuthHandlerOptions.AllowedHosts if it should receive these credentials.");
    }

    private async Task<HttpResponseMessage> SendAfterHeadersAsync(HttpRequestMessage request, Task<AuthHeaders> pending, CancellationToken cancellationToken)
    {
        AuthHeaders headers = await pending.ConfigureAwait(false);
        RoutingNeed need = RoutingNeed.None;
        WorkspaceRouting? routing = null;
        if (_router is not null && (need = _router.NeedsOf(request.RequestUri!)) != RoutingNeed.None)
        {
            routing = await _router.GetRoutingAsync(headers, cancellationToken).ConfigureAwait(false);
        }

        return await SendWithHeadersAsync(request, headers, need, routing, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAfterRoutingAsync(HttpRequestMessage request, AuthHeaders headers, RoutingNeed need, Task<WorkspaceRouting?> routing, CancellationToken cancellationToken)
    {
        WorkspaceRouting? routed = await routing.ConfigureAwait(false);
        return await SendWithHeadersAsync(request, headers, need, routed, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendWithHeadersAsync(HttpRequestMessage request, AuthHeaders headers, RoutingNeed need, WorkspaceRouting? routing, CancellationToken cancellationToken)
    {
        headers.ApplyTo(request.Headers);
        if (need != RoutingNeed.None)
        {
            WorkspaceRouter.Apply(request, routing, need);
        }

        Task<HttpResponseMessage> responseTask = base.SendAsync(request, cancellationToken);
        if (!_recoverOnUnauthorized)
        {
            return await responseTask.ConfigureAwait(false);
        }

        return await RecoverIfUnauthorizedAsync(request, headers, need, responseTask, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> RecoverIfUnauthorizedAsync(
        HttpRequestMessage request,
        AuthHeaders sent,
        RoutingNeed need,
        Task<HttpResponseMessage> responseTask,
        CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await responseTask.ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        if (!CanResend(request.Content))
        {
            // The content cannot be sent again (a stream, as the OpenAI SDK sends every POST): return the 401, but
            // recover first so that the next request carries the renewed credential.
            try
            {
                _ = await _provider.RecoverAsync(sent, cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException)
            {
                // Permanent: the provider remembers it and the next request reports it.
            }
            catch
            {
                response.Dispose();
                throw;
            }

            return response;
        }

        bool retry;
        try
        {
            retry = await _provider.RecoverAsync(sent, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        if (!retry)
        {
            return response;
        }

        response.Dispose();
        AuthHeaders fresh = await _provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
        WorkspaceRouting? freshRouting = null;
        if (_router is not null && need != RoutingNeed.None)
        {
            // A rejected call may mean another account or a workspace that moved: ask discovery again.
            _router.Invalidate();
            freshRouting = await _router.GetRoutingAsync(fresh, cancellationToken).ConfigureAwait(false);
        }

        fresh.ApplyTo(request.Headers);
        if (need != RoutingNeed.None)
        {
            WorkspaceRouter.Apply(request, freshRouting, need);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
