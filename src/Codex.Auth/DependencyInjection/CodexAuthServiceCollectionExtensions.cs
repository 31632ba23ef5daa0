using Codex.Auth.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

#pragma warning disable IDE0130 // Extension methods live in the namespace of the type they extend, as Microsoft.Extensions does.
namespace Microsoft.Extensions.DependencyInjection;
#pragma warning restore IDE0130

/// <summary>Registers Codex.Auth with an <see cref="IServiceCollection"/>.</summary>
public static class CodexAuthServiceCollectionExtensions
{
    /// <summary>
    /// Registers the options, a <see cref="TimeProvider"/>, the back-channel <see cref="HttpClient"/>
    /// (<see cref="Codex.Auth.Backchannel.CodexBackchannel.HttpClientName"/>), a <see cref="Codex.Auth.CodexProviderContext"/>,
    /// a <see cref="Codex.Auth.CodexProviderFactory"/>, a singleton <see cref="Codex.Auth.IAuthProvider"/> chosen by
    /// <see cref="Codex.Auth.CodexAuthOptions.Source"/> and a singleton <see cref="Codex.Auth.Routing.WorkspaceRouter"/> for it (resolve it
    /// to see where the account's model calls go). Every registration uses <c>TryAdd</c>: register your own
    /// <see cref="Codex.Auth.IAuthProvider"/> (or context, or factory) first to pin one. Options are validated at start
    /// (<c>ValidateOnStart</c>): an invalid value stops the host with an <see cref="OptionsValidationException"/> whose failures name
    /// each option — the same message the providers' constructors and <see cref="Codex.Auth.CodexProviderFactory.Create(Codex.Auth.CodexAuthOptions)"/>
    /// throw outside dependency injection.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The services, for chaining.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddCodexAuth(o => o.Source = CodexCredentialSource.ChatGpt);
    /// builder.Services.AddHttpClient("codex").AddCodexAuthHandler();
    /// </code>
    /// </example>
    public static IServiceCollection AddCodexAuth(this IServiceCollection services, Action<Codex.Auth.CodexAuthOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<Codex.Auth.CodexAuthOptions> options = services.AddOptions<Codex.Auth.CodexAuthOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.CodexAuthOptions>>(CodexAuthOptionsValidator.Instance));

        // The providers' options are built from CodexAuthOptions here, and their constructors run these same validators; registering
        // them also validates any IOptions<T> of them an app binds itself (for example from configuration, with ValidateOnStart).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.ChatGpt.ChatGptTokenProviderOptions>>(Codex.Auth.ChatGpt.ChatGptTokenProviderOptionsValidator.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.AgentIdentity.AgentIdentityProviderOptions>>(Codex.Auth.AgentIdentity.AgentIdentityProviderOptionsValidator.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.ApiKeys.ApiKeyProviderOptions>>(Codex.Auth.ApiKeys.ApiKeyProviderOptionsValidator.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.ApiKeys.PersonalAccessTokenProviderOptions>>(Codex.Auth.ApiKeys.PersonalAccessTokenProviderOptionsValidator.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.Routing.WorkspaceRouterOptions>>(Codex.Auth.Routing.WorkspaceRouterOptionsValidator.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.SignIn.SignInOptions>>(Codex.Auth.SignIn.SignInOptionsValidator.Instance));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Codex.Auth.Http.CodexAuthHandlerOptions>>(Codex.Auth.Http.CodexAuthHandlerOptionsValidator.Instance));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Codex.Auth.CodexEnvironment.Process);
        Codex.Auth.Backchannel.CodexBackchannel.AddBackchannelClient(services);

        services.TryAddSingleton(Codex.Auth.CodexProviderContext.FromServices);
        services.TryAddSingleton(sp => new Codex.Auth.CodexProviderFactory(sp.GetRequiredService<Codex.Auth.CodexProviderContext>()));
        services.TryAddSingleton<Codex.Auth.IAuthProvider>(sp =>
            sp.GetRequiredService<Codex.Auth.CodexProviderFactory>().Create(sp.GetRequiredService<IOptions<Codex.Auth.CodexAuthOptions>>().Value));
        services.TryAddSingleton(sp => new Codex.Auth.Routing.WorkspaceRouter(
            sp.GetRequiredService<Codex.Auth.IAuthProvider>(),
            new Codex.Auth.Routing.WorkspaceRouterOptions { EnforceResidency = ResidencyOf(sp.GetRequiredService<IOptions<Codex.Auth.CodexAuthOptions>>().Value, sp.GetRequiredService<Codex.Auth.CodexEnvironment>()) },
            sp.GetRequiredService<Codex.Auth.CodexProviderContext>()));
        return services;
    }

    /// <summary><see cref="Codex.Auth.CodexAuthOptions.EnforceResidency"/>, else config.toml's <c>enforce_residency</c>.</summary>
    private static Codex.Auth.Routing.CodexResidency ResidencyOf(Codex.Auth.CodexAuthOptions options, Codex.Auth.CodexEnvironment environment) =>
        options.EnforceResidency != Codex.Auth.Routing.CodexResidency.None
            ? options.EnforceResidency
            : Codex.Auth.Configuration.CodexConfiguration.Resolve(new Codex.Auth.Configuration.CodexConfigurationOptions { CodexHome = options.CodexHome }, environment).EnforceResidency;
}
