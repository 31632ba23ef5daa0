using Codex.Auth.Storage;

namespace Codex.Auth.ApiKeys;

/// <summary>
/// Applies <c>Authorization: Bearer &lt;API key&gt;</c> (no account, no FedRAMP header). The key comes from, first
/// match wins: an explicit key; <c>CODEX_API_KEY</c>; <c>OPENAI_API_KEY</c> when opted in; auth.json in API-key mode.
/// Blank values count as absent. The key is resolved once, on first use, and cached.
/// </summary>
/// <example>
/// <code>
/// var provider = new ApiKeyProvider(new ApiKeyProviderOptions { ApiKey = Environment.GetEnvironmentVariable("MY_KEY") });
/// using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new HttpClientHandler() });
/// </code>
/// </example>
public sealed class ApiKeyProvider : IAuthProvider, Internal.IFixedAuthHeaders
{
    private readonly ApiKeyProviderOptions _options;
    private readonly CodexEnvironment _environment;
    private readonly CodexProviderContext _context;
    private AuthHeaders? _headers;

    /// <summary>Creates a provider.</summary>
    /// <param name="options">Where to look for the key.</param>
    /// <param name="context">The environment to read (<c>CODEX_API_KEY</c>, <c>OPENAI_API_KEY</c>, <c>CODEX_HOME</c>).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public ApiKeyProvider(ApiKeyProviderOptions options, CodexProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        Internal.OptionsChecks.ThrowIfInvalid(ApiKeyProviderOptionsValidator.Instance, options);
        ArgumentNullException.ThrowIfNull(context);
        _options = options;
        _environment = context.Environment;
        _context = context;
        BaseUrl = options.BaseUrl ?? CodexEndpoints.OpenAIApiBaseUrl;
    }

    /// <summary>Creates a provider.</summary>
    /// <param name="options">Where to look for the key.</param>
    /// <param name="environment">The environment to read; defaults to the process environment.</param>
    public ApiKeyProvider(ApiKeyProviderOptions options, CodexEnvironment? environment = null)
        : this(options, environment is null ? CodexProviderContext.Default : new CodexProviderContext { Environment = environment })
    {
    }

    /// <summary>Creates a provider for an explicit key.</summary>
    /// <param name="apiKey">The key.</param>
    /// <returns>The provider.</returns>
    public static ApiKeyProvider FromKey(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        return new ApiKeyProvider(new ApiKeyProviderOptions { ApiKey = apiKey, UseEnvironment = false, UseCredentialStore = false });
    }

    /// <inheritdoc />
    public Uri BaseUrl { get; }

    /// <inheritdoc />
    /// <remarks>Always <see langword="false"/>: an API key cannot be renewed.</remarks>
    public bool SupportsRecovery => false;

    /// <summary>Gets which source supplied the key (for diagnostics), once resolved; otherwise <see langword="null"/>.</summary>
    public string? Source { get; private set; }

    /// <inheritdoc />
    public ValueTask<AuthHeaders> GetHeadersAsync(CancellationToken cancellationToken = default)
    {
        AuthHeaders? headers = _headers;
        if (headers is not null)
        {
            return new ValueTask<AuthHeaders>(headers);
        }

        return new ValueTask<AuthHeaders>(Resolve());
    }

    /// <inheritdoc />
    AuthHeaders? Internal.IFixedAuthHeaders.ResolvedHeaders => _headers;

    /// <inheritdoc />
    public ValueTask<bool> RecoverAsync(AuthHeaders rejected, CancellationToken cancellationToken = default) => new(false);

    /// <inheritdoc />
    public override string ToString() => _headers is { } h ? $"ApiKeyProvider {h} from {Source}" : "ApiKeyProvider (not resolved)";

    // Once per provider: kept out of line so that the cached path of GetHeadersAsync stays small where it is inlined.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private AuthHeaders Resolve()
    {
        (string key, string source) = FindKey();
        var headers = new AuthHeaders("Bearer", key);
        Source = source;
        Interlocked.CompareExchange(ref _headers, headers, null);
        return _headers!;
    }

    private (string Key, string Source) FindKey()
    {
        if (!string.IsNullOrWhiteSpace(_options.ApiKey))
        {
            return (_options.ApiKey.Trim(), "options");
        }

        if (_options.UseEnvironment && _environment.GetNonBlank(CodexEnvironmentVariables.CodexApiKey) is { } envKey)
        {
            return (envKey, CodexEnvironmentVariables.CodexApiKey);
        }

        if (_options.UseOpenAIApiKeyEnvironmentVariable && _environment.GetNonBlank(CodexEnvironmentVariables.OpenAIApiKey) is { } openAiKey)
        {
            return (openAiKey, CodexEnvironmentVariables.OpenAIApiKey);
        }

        string? storePath = null;
        if (_options.UseCredentialStore)
        {
            // The configured store (auth.json, the keyring, …); the key is read synchronously, once.
            ICodexCredentialStore store = CodexProviderFactory.OpenStore(_context, _options.CodexHome);
            storePath = store.Location;
            ValueTask<CodexAuthDocument?> loading = store.LoadAsync();
            CodexAuthDocument? document = loading.IsCompletedSuccessfully ? loading.Result : loading.AsTask().GetAwaiter().GetResult();
            if (document is { Mode: CodexAuthMode.ApiKey, ApiKey: { } stored } && !string.IsNullOrWhiteSpace(stored))
            {
                return (stored.Trim(), storePath);
            }
        }

        var tried = new List<string>();
        if (_options.ApiKey is not null)
        {
            tried.Add("the configured key (blank)");
        }

        if (_options.UseEnvironment)
        {
            tried.Add(CodexEnvironmentVariables.CodexApiKey);
        }

        if (_options.UseOpenAIApiKeyEnvironmentVariable)
        {
            tried.Add(CodexEnvironmentVariables.OpenAIApiKey);
        }

        if (storePath is not null)
        {
            tried.Add($"{storePath} in API-key mode");
        }

        throw new CodexAuthException(
            CodexAuthFailureReason.NotSignedIn,
            $"No API key was found (tried: {(tried.Count == 0 ? "no sources are enabled" : string.Join(", ", tried))}).",
            "Set CODEX_API_KEY, or run `printenv OPENAI_API_KEY | codex login --with-api-key`.");
    }
}
