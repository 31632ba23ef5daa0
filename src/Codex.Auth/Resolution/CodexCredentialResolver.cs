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
    private readonly CodexEnvironment _environment;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggers;

    /// <summary>Creates a resolver.</summary>
    /// <param name="environment">The environment; defaults to the process environment.</param>
    /// <param name="timeProvider">The clock for the providers it creates.</param>
    /// <param name="loggerFactory">Loggers for the providers it creates.</param>
    public CodexCredentialResolver(CodexEnvironment? environment = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        _environment = environment ?? CodexEnvironment.Process;
        _time = timeProvider ?? TimeProvider.System;
        _loggers = loggerFactory;
    }

    /// <summary>Chooses the credential.</summary>
    /// <param name="options">What may be used.</param>
    /// <returns>The provider, its kind and source.</returns>
    /// <exception cref="CodexAuthException">Nothing was found (the message lists every source tried and the command that fixes each), or the store cannot be used.</exception>
    public ResolvedCredential Resolve(CodexCredentialResolverOptions? options = null)
    {
        options ??= new CodexCredentialResolverOptions();
        if (!string.IsNullOrWhiteSpace(options.ApiKey))
        {
            return new ResolvedCredential(ApiKeyProvider.FromKey(options.ApiKey), CodexCredentialSource.ApiKey, "options");
        }

        if (_environment.GetNonBlank(CodexEnvironmentVariables.CodexApiKey) is { } envKey)
        {
            return new ResolvedCredential(ApiKeyProvider.FromKey(envKey), CodexCredentialSource.ApiKey, CodexEnvironmentVariables.CodexApiKey);
        }

        if (options.AllowAgentIdentity && TryAccessToken(out ResolvedCredential? fromAccessToken))
        {
            return fromAccessToken;
        }

        string home = CodexHome.Resolve(options.CodexHome, _environment);
        var store = new FileCredentialStore(home);
        CodexAuthDocument? document = AuthFileReader.Read(store.FilePath);
        if (document is not null)
        {
            ResolvedCredential? fromStore = FromStore(document, store, home, options);
            if (fromStore is not null)
            {
                return fromStore;
            }
        }

        if (options.UseOpenAIApiKeyEnvironmentVariable && _environment.GetNonBlank(CodexEnvironmentVariables.OpenAIApiKey) is { } openAiKey)
        {
            return new ResolvedCredential(ApiKeyProvider.FromKey(openAiKey), CodexCredentialSource.ApiKey, CodexEnvironmentVariables.OpenAIApiKey);
        }

        throw NothingFound(store.FilePath, document, options);
    }

    private ResolvedCredential? FromStore(CodexAuthDocument document, FileCredentialStore store, string home, CodexCredentialResolverOptions options)
    {
        switch (document.Mode)
        {
            case CodexAuthMode.ApiKey when document.ApiKey is { } key && !string.IsNullOrWhiteSpace(key):
                return new ResolvedCredential(ApiKeyProvider.FromKey(key), CodexCredentialSource.ApiKey, store.FilePath);
            case CodexAuthMode.ChatGpt or CodexAuthMode.ChatGptAuthTokens when document.HasTokens && document.LastRefresh is not null:
                var provider = new ChatGptTokenProvider(
                    new ChatGptTokenProviderOptions { CodexHome = home },
                    _time,
                    httpClient: null,
                    _environment,
                    _loggers?.CreateLogger<ChatGptTokenProvider>());
                return new ResolvedCredential(provider, CodexCredentialSource.ChatGpt, store.FilePath);
            case CodexAuthMode.AgentIdentity or CodexAuthMode.PersonalAccessToken when options.AllowAgentIdentity:
                return FromStoreAgentIdentity(document, store);
            case CodexAuthMode.Unknown or CodexAuthMode.Headers or CodexAuthMode.BedrockApiKey:
                throw new CodexAuthException(
                    CodexAuthFailureReason.UnsupportedMode,
                    $"{store.FilePath} is in '{document.AuthModeValue ?? document.Mode.ToString()}' mode, which Codex.Auth cannot use.",
                    "Run `codex login` to sign in with ChatGPT, or set CODEX_API_KEY.");
            default:
                return null;
        }
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
