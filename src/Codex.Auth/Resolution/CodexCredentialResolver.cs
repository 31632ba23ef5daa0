using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Resolution;

/// <summary>
/// Picks the credential the way the Codex CLI does (PROTOCOL §7): an explicit key; <c>CODEX_API_KEY</c>;
/// <c>CODEX_ACCESS_TOKEN</c>; the credential store by its mode; <c>OPENAI_API_KEY</c> only when opted in.
/// Blank variables count as absent. Never modifies auth.json.
/// </summary>
/// <example>
/// <code>
/// ResolvedCredential credential = new CodexCredentialResolver().Resolve();
/// Console.WriteLine($"{credential.Kind} from {credential.Source}, base URL {credential.BaseUrl}");
/// </code>
/// </example>
public sealed partial class CodexCredentialResolver
{
    private readonly CodexProviderFactory _factory;

    /// <summary>Creates a resolver.</summary>
    /// <param name="environment">The environment; defaults to the process environment.</param>
    /// <param name="timeProvider">The clock for the providers it creates.</param>
    /// <param name="loggerFactory">Loggers for the providers it creates.</param>
    public CodexCredentialResolver(CodexEnvironment? environment = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this(new CodexProviderContext
        {
            Environment = environment ?? CodexEnvironment.Process,
            TimeProvider = timeProvider ?? TimeProvider.System,
            LoggerFactory = loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        })
    {
    }

    /// <summary>Creates a resolver whose providers receive <paramref name="context"/>.</summary>
    /// <param name="context">The context for the providers it creates.</param>
    public CodexCredentialResolver(CodexProviderContext context)
        : this(new CodexProviderFactory(context ?? throw new ArgumentNullException(nameof(context))))
    {
    }

    /// <summary>Creates a resolver that builds through <paramref name="factory"/>.</summary>
    /// <param name="factory">The factory.</param>
    public CodexCredentialResolver(CodexProviderFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        _factory = factory;
    }

    private CodexEnvironment Environment => _factory.Context.Environment;

    /// <summary>Chooses the credential.</summary>
    /// <param name="options">What may be used.</param>
    /// <returns>The provider, its kind and source.</returns>
    /// <exception cref="CodexAuthException">Nothing was found (the message lists every source tried and the command that fixes each), or the store cannot be used.</exception>
    public ResolvedCredential Resolve(CodexCredentialResolverOptions? options = null)
    {
        options ??= new CodexCredentialResolverOptions();
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            return new ResolvedCredential(FromKey(options.ApiKey), CodexCredentialSource.ApiKey, "options");
        }

        if (Environment.GetNonBlank(CodexEnvironmentVariables.CodexApiKey) is { } envKey)
        {
            return new ResolvedCredential(FromKey(envKey), CodexCredentialSource.ApiKey, CodexEnvironmentVariables.CodexApiKey);
        }

        if (options.AllowAgentIdentity && TryAccessToken(out ResolvedCredential? fromAccessToken))
        {
            return fromAccessToken;
        }

        ICodexCredentialStore store = CodexProviderFactory.OpenStore(_factory.Context, options.CodexHome, options.Configuration);
        ValueTask<CodexAuthDocument?> loading = store.LoadAsync();
        CodexAuthDocument? document = loading.IsCompletedSuccessfully ? loading.Result : loading.AsTask().GetAwaiter().GetResult();
        if (document is not null)
        {
            ResolvedCredential? fromStore = FromStore(document, store, options);
            if (fromStore is not null)
            {
                return fromStore;
            }
        }

        if (options.UseOpenAIApiKeyEnvironmentVariable && Environment.GetNonBlank(CodexEnvironmentVariables.OpenAIApiKey) is { } openAiKey)
        {
            return new ResolvedCredential(FromKey(openAiKey), CodexCredentialSource.ApiKey, CodexEnvironmentVariables.OpenAIApiKey);
        }

        throw NothingFound(store.Location, document, options);
    }

    private ApiKeyProvider FromKey(string key) =>
        _factory.CreateApiKey(new ApiKeyProviderOptions { ApiKey = key, UseEnvironment = false, UseCredentialStore = false });

    private ResolvedCredential? FromStore(CodexAuthDocument document, ICodexCredentialStore store, CodexCredentialResolverOptions options)
    {
        switch (document.Mode)
        {
            case CodexAuthMode.ApiKey when document.ApiKey is { } key && !string.IsNullOrWhiteSpace(key):
                return new ResolvedCredential(FromKey(key), CodexCredentialSource.ApiKey, store.Location);
            case CodexAuthMode.ChatGpt or CodexAuthMode.ChatGptAuthTokens when document.HasTokens && document.LastRefresh is not null:
                return new ResolvedCredential(_factory.CreateForStore(CodexCredentialSource.ChatGpt, store, ChatGptOptions(options)), CodexCredentialSource.ChatGpt, store.Location);
            case CodexAuthMode.AgentIdentity or CodexAuthMode.PersonalAccessToken when options.AllowAgentIdentity:
                CodexCredentialSource kind = document.Mode == CodexAuthMode.PersonalAccessToken ? CodexCredentialSource.PersonalAccessToken : CodexCredentialSource.AgentIdentity;
                return new ResolvedCredential(_factory.CreateForStore(kind, store), kind, store.Location);
            case CodexAuthMode.Unknown or CodexAuthMode.Headers or CodexAuthMode.BedrockApiKey:
                throw new CodexAuthException(
                    CodexAuthFailureReason.UnsupportedMode,
                    $"{store.Location} is in '{document.AuthModeValue ?? document.Mode.ToString()}' mode, which Codex.Auth cannot use.",
                    "Run `codex login` to sign in with ChatGPT, or set CODEX_API_KEY.");
            default:
                return null;
        }
    }

    /// <summary>The ChatGPT options, with a <c>chatgpt_base_url</c> set in code applied unless they name a base URL themselves.</summary>
    private static ChatGpt.ChatGptTokenProviderOptions? ChatGptOptions(CodexCredentialResolverOptions options)
    {
        if (options.Configuration?.ChatGptBaseUrl is not { } configured
            || (options.ChatGpt is { } chatGpt && !ReferenceEquals(chatGpt.BaseUrl, CodexEndpoints.ChatGptCodexBaseUrl)))
        {
            return options.ChatGpt;
        }

        Uri normalized = Configuration.CodexConfigFile.ParseBaseUrl(configured.IsAbsoluteUri ? configured.AbsoluteUri : configured.OriginalString)
            ?? throw new CodexAuthException(
                CodexAuthFailureReason.MalformedConfiguration,
                "The configured ChatGPT base URL is not an absolute http or https URL without query or fragment.",
                "Set ChatGptBaseUrl to a URL such as https://chatgpt.com/backend-api/.");
        ChatGpt.ChatGptTokenProviderOptions copy = options.ChatGpt?.Clone() ?? new ChatGpt.ChatGptTokenProviderOptions();
        copy.BaseUrl = new Uri(normalized, "codex");
        return copy;
    }

    private static CodexAuthException NothingFound(string storePath, CodexAuthDocument? document, CodexCredentialResolverOptions options)
    {
        string storeState = document is null ? "no file" : $"'{document.AuthModeValue ?? document.Mode.ToString()}' mode without usable credentials";
        var lines = new List<string>
        {
            $"{CodexEnvironmentVariables.CodexApiKey} (not set) — set it to an API key",
        };
        if (options.AllowAgentIdentity)
        {
            lines.Add($"{CodexEnvironmentVariables.CodexAccessToken} (not set) — set it to a personal access token (at-…) or an agent identity");
        }

        lines.Add($"{storePath} ({storeState}) — run `codex login`, `codex login --device-auth` (no browser), or `printenv OPENAI_API_KEY | codex login --with-api-key`");
        if (options.UseOpenAIApiKeyEnvironmentVariable)
        {
            lines.Add($"{CodexEnvironmentVariables.OpenAIApiKey} (not set)");
        }

        return new CodexAuthException(
            CodexAuthFailureReason.NotSignedIn,
            "No Codex credentials found. Tried: " + string.Join("; ", lines) + ".",
            "Run `codex login` to sign in with ChatGPT.");
    }
}
