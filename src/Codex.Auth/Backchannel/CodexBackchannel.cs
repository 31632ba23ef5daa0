using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Backchannel;

/// <summary>
/// The library's own calls to OpenAI's auth endpoints — token refresh, revoke, sign-in, agent task registration,
/// the agent-identity JWKS and <c>whoami</c>: the one <see cref="HttpClient"/> name they use, and the default for
/// code that does not use dependency injection.
/// </summary>
/// <remarks>
/// <para>Every back-channel call goes through one module with one set of rules: HTTPS, or plain HTTP to a loopback
/// address only (for every endpoint and every override); redirects are never followed; transient failures (connection
/// errors, timeouts, HTTP 408, 429 and 5xx) are retried a bounded number of times with exponential back-off, jitter and
/// the server's <c>Retry-After</c>; every failure becomes a <see cref="CodexAuthException"/>.</para>
/// <para>With dependency injection (<c>AddCodexAuth</c>) the client comes from <see cref="IHttpClientFactory"/> under
/// <see cref="HttpClientName"/>, so a corporate proxy, a handler or telemetry can be added with
/// <c>services.AddHttpClient(CodexBackchannel.HttpClientName)</c>. Automatic redirects are switched off on its primary
/// handler whatever is configured.</para>
/// </remarks>
/// <example>
/// <code>
/// services.AddCodexAuth();
/// services.AddHttpClient(CodexBackchannel.HttpClientName)
///         .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { Proxy = new WebProxy("http://proxy.corp:3128") });
/// </code>
/// </example>
public static class CodexBackchannel
{
    /// <summary>The name of the <see cref="HttpClient"/> used for every call to an auth endpoint: <c>Codex.Auth.Backchannel</c>.</summary>
    public const string HttpClientName = "Codex.Auth.Backchannel";

    /// <summary>
    /// Gets the client factory used when none is supplied (code without dependency injection): one pooled
    /// <see cref="SocketsHttpHandler"/> shared by the whole process, with automatic redirects off and connections
    /// recycled every 5 minutes (so DNS changes are noticed).
    /// </summary>
    public static IHttpClientFactory DefaultHttpClientFactory => DefaultBackchannelHttpClientFactory.Instance;

    /// <summary>
    /// Registers the back-channel client (<see cref="HttpClientName"/>) with <see cref="IHttpClientFactory"/>, its
    /// primary handler's automatic redirects switched off after every other configuration.
    /// </summary>
    internal static IHttpClientBuilder AddBackchannelClient(IServiceCollection services)
    {
        IHttpClientBuilder builder = services.AddHttpClient(HttpClientName);
        services.AddOptions<Microsoft.Extensions.Http.HttpClientFactoryOptions>(HttpClientName)
            .PostConfigure(o => o.HttpMessageHandlerBuilderActions.Add(static b => BackchannelRedirects.DisableAutoRedirect(b.PrimaryHandler)));
        return builder;
    }
}
