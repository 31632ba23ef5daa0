using Codex.Auth.Proxy.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

// Extension methods live in the namespace of the type they extend, as in the Microsoft.Extensions family.
#pragma warning disable IDE0130
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers the Codex auth proxy.</summary>
public static class CodexAuthProxyServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Codex auth proxy's YARP routes, clusters and transforms, and (in forward mode) a hosted service that resolves and
    /// checks the host credential when the app starts, so that a missing or unusable credential stops the start. Map the
    /// endpoints with <c>app.MapCodexAuthProxy()</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">The proxy options; validated here.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid (checked here, at registration, by the same validator as <see cref="Codex.Auth.Proxy.CodexAuthProxyOptions.Validate"/>).</exception>
    /// <example>
    /// <code>
    /// var builder = WebApplication.CreateBuilder(args);
    /// builder.Services.AddCodexAuthProxy(new CodexAuthProxyOptions { ForwardHostCredentials = true });
    /// var app = builder.Build();
    /// app.MapCodexAuthProxy();
    /// await app.RunAsync();
    /// </code>
    /// </example>
    public static IServiceCollection AddCodexAuthProxy(this IServiceCollection services, Codex.Auth.Proxy.CodexAuthProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<Codex.Auth.Proxy.CodexAuthProxyOptions>>(Codex.Auth.Proxy.CodexAuthProxyOptionsValidator.Instance));
        services.TryAddSingleton(sp => new HostCredentials(options, sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new ProxyRouting(options, sp.GetRequiredService<HostCredentials>(), sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.TryAddSingleton(sp => new ProxyPipeline(options, sp.GetRequiredService<HostCredentials>(), sp.GetRequiredService<ProxyRouting>(), sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        services.TryAddSingleton(sp => new HealthEndpoint(options, sp.GetRequiredService<HostCredentials>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HostCredentialsStartup>());

        // Before AddReverseProxy, which only adds YARP's default client factory when none is registered.
        services.TryAddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory>(new ProxyHttpClientFactory(options));
        services.AddReverseProxy()
            .LoadFromMemory(ProxyRoutes.Routes(), ProxyRoutes.Clusters(options))
            .AddTransforms<CredentialTransformProvider>();
        return services;
    }
}
