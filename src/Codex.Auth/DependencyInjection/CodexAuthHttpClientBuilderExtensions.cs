using Codex.Auth;
using Codex.Auth.Http;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Extension methods live in the namespace of the type they extend, as Microsoft.Extensions does.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Adds Codex.Auth to <see cref="IHttpClientBuilder"/> pipelines.</summary>
public static class CodexAuthHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="CodexAuthHandler"/> to the client's pipeline, using the registered <see cref="IAuthProvider"/> and, unless
    /// <see cref="CodexAuthOptions.FollowWorkspaceRouting"/> is off, the registered <see cref="Codex.Auth.Routing.WorkspaceRouter"/>
    /// (model calls of a residency-constrained workspace then go to its origin).
    /// Call <c>AddCodexAuth()</c> on the service collection too (or register your own provider). Add resilience handlers
    /// before this one so that they sit outside it and every retry is re-authenticated.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <example>
    /// <code>
    /// services.AddCodexAuth();
    /// services.AddHttpClient("codex").AddStandardResilienceHandler();
    /// services.AddHttpClient("codex").AddCodexAuthHandler();
    /// </code>
    /// </example>
    public static IHttpClientBuilder AddCodexAuthHandler(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddHttpMessageHandler(sp =>
        {
            CodexAuthOptions options = sp.GetRequiredService<IOptions<CodexAuthOptions>>().Value;
            var handlerOptions = new CodexAuthHandlerOptions { RetryOnUnauthorized = options.RetryOnUnauthorized };
            foreach (string host in options.AllowedHosts)
            {
                handlerOptions.AllowedHosts.Add(host);
            }

            Codex.Auth.Routing.WorkspaceRouter? router = options.FollowWorkspaceRouting ? sp.GetService<Codex.Auth.Routing.WorkspaceRouter>() : null;
            return new CodexAuthHandler(sp.GetRequiredService<IAuthProvider>(), handlerOptions, router);
        });
    }

    /// <summary>
    /// Registers Codex.Auth (<c>AddCodexAuth</c>), adds <see cref="CodexAuthHandler"/> to this client and, when the client has
    /// no <see cref="HttpClient.BaseAddress"/>, sets it to the provider's base URL (with a trailing slash, so
    /// relative paths such as <c>responses</c> resolve beneath it).
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <example>
    /// <code>
    /// services.AddHttpClient("codex").AddCodexAuth();
    /// // later: await factory.CreateClient("codex").PostAsJsonAsync("responses", body);
    /// </code>
    /// </example>
    public static IHttpClientBuilder AddCodexAuth(this IHttpClientBuilder builder, Action<CodexAuthOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddCodexAuth(configure);
        builder.ConfigureHttpClient((sp, client) =>
        {
            if (client.BaseAddress is null)
            {
                Uri baseUrl = sp.GetRequiredService<IAuthProvider>().BaseUrl;
                string text = baseUrl.AbsoluteUri;
                client.BaseAddress = text.EndsWith('/') ? baseUrl : new Uri(text + "/");
            }
        });
        return builder.AddCodexAuthHandler();
    }
}
