using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Configuration;
using Codex.Auth.Resolution;
using Codex.Auth.Storage;

namespace Codex.Auth;

/// <summary>
/// The one place providers and credential stores are built. Dependency injection (<c>AddCodexAuth</c>),
/// <see cref="CodexCredentialResolver"/>, the proxy and the <c>codex-auth</c> CLI all build through it, so a new
/// credential kind or a new store is added here once.
/// </summary>
/// <example>
/// <code>
/// var factory = new CodexProviderFactory(new CodexProviderContext { LoggerFactory = loggers });
/// using var chatGpt = factory.CreateChatGpt(new ChatGptTokenProviderOptions());
/// ResolvedCredential any = factory.Resolve(); // the credential the Codex CLI would use
/// </code>
/// </example>
public sealed class CodexProviderFactory
{
    /// <summary>Creates a factory.</summary>
    /// <param name="context">The context every provider it builds receives; <see langword="null"/> for <see cref="CodexProviderContext.Default"/>.</param>
    public CodexProviderFactory(CodexProviderContext? context = null) => Context = context ?? CodexProviderContext.Default;

    /// <summary>Gets the context every provider built here receives.</summary>
    public CodexProviderContext Context { get; }

    /// <summary>
    /// Opens the credential store: the context's <see cref="CodexProviderContext.CredentialStore"/> when set, otherwise
    /// <c>auth.json</c> in <paramref name="codexHome"/> (<see langword="null"/>: <c>CODEX_HOME</c> or <c>~/.codex</c>).
    /// </summary>
    /// <param name="codexHome">The Codex home directory, or <see langword="null"/>.</param>
    /// <returns>The store.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.StoreUnavailable"/>: the Codex home is invalid.</exception>
    public ICodexCredentialStore OpenStore(string? codexHome = null) => OpenStore(Context, codexHome);

    /// <summary>Creates an API-key provider.</summary>
    /// <param name="options">Where to look for the key.</param>
    /// <returns>The provider.</returns>
    public ApiKeyProvider CreateApiKey(ApiKeyProviderOptions options) => new(options, Context);

    /// <summary>Creates a ChatGPT sign-in provider.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The provider; dispose it.</returns>
    public ChatGptTokenProvider CreateChatGpt(ChatGptTokenProviderOptions options) => new(options, Context);

    /// <summary>Creates an agent-identity provider.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The provider; dispose it.</returns>
    public AgentIdentityProvider CreateAgentIdentity(AgentIdentityProviderOptions options) => new(options, Context);

    /// <summary>Creates a personal-access-token provider.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The provider; dispose it.</returns>
    public PersonalAccessTokenProvider CreatePersonalAccessToken(PersonalAccessTokenProviderOptions options) => new(options, Context);

    /// <summary>Creates the provider for a <c>CODEX_ACCESS_TOKEN</c>-style value: <c>at-…</c> is a personal access token, anything else an agent identity.</summary>
    /// <param name="value">The token.</param>
    /// <returns>The provider; dispose it.</returns>
    public IAuthProvider CreateForAccessToken(string value) => CreateForAccessToken(value, source: null);

    /// <summary>As <see cref="CreateForAccessToken(string)"/>, naming the variable the value came from in messages (instead of "options").</summary>
    internal IAuthProvider CreateForAccessToken(string value, string? source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        value = value.Trim();
        return PersonalAccessTokenProvider.IsPersonalAccessToken(value)
            ? CreatePersonalAccessToken(new PersonalAccessTokenProviderOptions { Token = value, TokenSource = source, UseEnvironment = false, UseCredentialStore = false })
            : CreateAgentIdentity(new AgentIdentityProviderOptions { Identity = value, IdentitySource = source, UseEnvironment = false, UseCredentialStore = false });
    }

    /// <summary>Creates the provider for a credential kind found in <paramref name="store"/> (the store is only read, except by the ChatGPT provider, which writes refreshed tokens back).</summary>
    /// <param name="kind">The kind of credential the store holds.</param>
    /// <param name="store">The store.</param>
    /// <param name="chatGpt">Further options for a ChatGPT sign-in (refresh URL, base URL); its store is replaced by <paramref name="store"/>.</param>
    /// <returns>The provider; dispose it when it is <see cref="IDisposable"/>.</returns>
    public IAuthProvider CreateForStore(CodexCredentialSource kind, ICodexCredentialStore store, ChatGptTokenProviderOptions? chatGpt = null) =>
        CreateForStore(kind, store, chatGpt, authApiBaseUrl: null);

    /// <summary>Creates the provider for a credential kind found in <paramref name="store"/>, with the accounts API at <paramref name="authApiBaseUrl"/>.</summary>
    /// <param name="kind">The kind of credential the store holds.</param>
    /// <param name="store">The store.</param>
    /// <param name="chatGpt">Further options for a ChatGPT sign-in (refresh URL, base URL); its store is replaced by <paramref name="store"/>.</param>
    /// <param name="authApiBaseUrl">The accounts API base (<c>whoami</c>, task registration); <see langword="null"/> for the default.</param>
    /// <returns>The provider; dispose it when it is <see cref="IDisposable"/>.</returns>
    public IAuthProvider CreateForStore(CodexCredentialSource kind, ICodexCredentialStore store, ChatGptTokenProviderOptions? chatGpt, Uri? authApiBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(store);
        switch (kind)
        {
            case CodexCredentialSource.ChatGpt:
                ChatGptTokenProviderOptions options = chatGpt is null ? new ChatGptTokenProviderOptions() : chatGpt.Clone();
                options.CredentialStore = store;
                return CreateChatGpt(options);
            case CodexCredentialSource.PersonalAccessToken:
                var pat = new PersonalAccessTokenProviderOptions { UseEnvironment = false, CredentialStore = store };
                if (authApiBaseUrl is not null)
                {
                    pat.AuthApiBaseUrl = authApiBaseUrl;
                }

                return CreatePersonalAccessToken(pat);
            case CodexCredentialSource.AgentIdentity:
                return CreateAgentIdentity(new AgentIdentityProviderOptions { UseEnvironment = false, CredentialStore = store, AuthApiBaseUrl = authApiBaseUrl });
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only ChatGPT, personal-access-token and agent-identity credentials live in a store this way.");
        }
    }

    /// <summary>Chooses the credential the way the Codex CLI does (see <see cref="CodexCredentialResolver"/>) and builds its provider.</summary>
    /// <param name="options">What may be used.</param>
    /// <returns>The provider, its kind and source.</returns>
    /// <exception cref="CodexAuthException">Nothing was found, or the store cannot be used.</exception>
    public ResolvedCredential Resolve(CodexCredentialResolverOptions? options = null) => new CodexCredentialResolver(this).Resolve(options);

    /// <summary>Creates the provider <c>AddCodexAuth</c> registers, chosen by <see cref="CodexAuthOptions.Source"/>.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The provider.</returns>
    /// <exception cref="CodexAuthException">For <see cref="CodexCredentialSource.Auto"/>: nothing was found.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid; the same failures <c>AddCodexAuth</c> reports at start.</exception>
    public IAuthProvider Create(CodexAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Internal.OptionsChecks.ThrowIfInvalid(DependencyInjection.CodexAuthOptionsValidator.Instance, options);
        switch (options.Source)
        {
            case CodexCredentialSource.ApiKey:
                return CreateApiKey(new ApiKeyProviderOptions
                {
                    ApiKey = options.ApiKey,
                    CodexHome = options.CodexHome,
                    UseOpenAIApiKeyEnvironmentVariable = options.UseOpenAIApiKeyEnvironmentVariable,
                });
            case CodexCredentialSource.ChatGpt:
                CodexConfiguration configuration = Configure(Context, options.CodexHome, Overrides(options));
                return CreateChatGpt(new ChatGptTokenProviderOptions
                {
                    CodexHome = options.CodexHome,
                    CredentialStore = OpenStore(Context, options.CodexHome, Overrides(options)),
                    BaseUrl = options.ChatGptBaseUrl is null ? CodexEndpoints.ChatGptCodexBaseUrl : new Uri(configuration.ChatGptCodexBaseUrl.AbsoluteUri.TrimEnd('/')),
                });
            case CodexCredentialSource.AgentIdentity or CodexCredentialSource.PersonalAccessToken:
                foreach (string name in (ReadOnlySpan<string>)[CodexEnvironmentVariables.CodexAccessToken, CodexEnvironmentVariables.CodexAgentIdentity])
                {
                    if (Context.Environment.GetNonBlank(name) is { } value)
                    {
                        return CreateForAccessToken(value, name);
                    }
                }

                return CreateForStore(options.Source, OpenStore(Context, options.CodexHome, Overrides(options)));
            default:
                return Resolve(new CodexCredentialResolverOptions
                {
                    ApiKey = options.ApiKey,
                    CodexHome = options.CodexHome,
                    UseOpenAIApiKeyEnvironmentVariable = options.UseOpenAIApiKeyEnvironmentVariable,
                    Configuration = Overrides(options),
                }).Provider;
        }
    }

    /// <summary>The configuration <c>AddCodexAuth</c>'s options set in code, or <see langword="null"/> when they set none.</summary>
    private static CodexConfigurationOptions? Overrides(CodexAuthOptions options) =>
        options.CredentialsStore is null && options.ChatGptBaseUrl is null
            ? null
            : new CodexConfigurationOptions { CredentialsStore = options.CredentialsStore, ChatGptBaseUrl = options.ChatGptBaseUrl };

    /// <summary>
    /// The one store selection rule, for providers constructed directly as well as through a factory: the context's
    /// store when set, otherwise the one <c>cli_auth_credentials_store</c> names (<see cref="CodexConfiguration"/>:
    /// <paramref name="overrides"/>, the environment, <c>config.toml</c>, then <c>auth.json</c>).
    /// </summary>
    internal static ICodexCredentialStore OpenStore(CodexProviderContext context, string? codexHome, CodexConfigurationOptions? overrides = null) =>
        context.CredentialStore ?? CodexCredentialStores.Create(Configure(context, codexHome, overrides), context.LoggerFactory, context.TimeProvider);

    /// <summary>The resolved configuration for a Codex home (<see langword="null"/>: <c>CODEX_HOME</c> or <c>~/.codex</c>).</summary>
    internal static CodexConfiguration Configure(CodexProviderContext context, string? codexHome, CodexConfigurationOptions? overrides = null) =>
        CodexConfiguration.Resolve(
            new CodexConfigurationOptions
            {
                CodexHome = string.IsNullOrEmpty(codexHome) ? overrides?.CodexHome : codexHome,
                CredentialsStore = overrides?.CredentialsStore,
                ChatGptBaseUrl = overrides?.ChatGptBaseUrl,
                ForcedLoginMethod = overrides?.ForcedLoginMethod,
                ForcedChatGptWorkspaceId = overrides?.ForcedChatGptWorkspaceId,
                EnforceResidency = overrides?.EnforceResidency,
            },
            context.Environment);

    /// <summary>
    /// Where a ChatGPT-backend credential is sent: <paramref name="configured"/> when the caller chose one, otherwise
    /// <c>chatgpt_base_url</c> + <c>codex/</c> from the configuration (default <c>https://chatgpt.com/backend-api/codex</c>).
    /// </summary>
    internal static Uri ChatGptBaseUrl(CodexProviderContext context, string? codexHome, Uri? configured)
    {
        if (configured is not null && !ReferenceEquals(configured, CodexEndpoints.ChatGptCodexBaseUrl))
        {
            return configured;
        }

        CodexConfiguration configuration;
        try
        {
            configuration = Configure(context, codexHome);
        }
        catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.StoreUnavailable)
        {
            return CodexEndpoints.ChatGptCodexBaseUrl; // no usable Codex home: nothing configured there
        }

        // The default keeps its historical form (no trailing slash); a configured chatgpt_base_url moves it.
        return configuration.ChatGptBaseUrl == CodexConfiguration.DefaultChatGptBaseUrl
            ? CodexEndpoints.ChatGptCodexBaseUrl
            : new Uri(configuration.ChatGptCodexBaseUrl.AbsoluteUri.TrimEnd('/'));
    }
}
