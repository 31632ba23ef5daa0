namespace Codex.Auth.Configuration;

/// <summary>
/// The one resolved configuration that decides where credentials live and where ChatGPT credentials are sent. Each
/// value comes from, first match wins: options set in code, the environment, <c>$CODEX_HOME/config.toml</c>, the default.
/// </summary>
/// <example>
/// <code>
/// CodexConfiguration config = CodexConfiguration.Resolve();          // CODEX_HOME or ~/.codex, its config.toml
/// ICodexCredentialStore store = CodexCredentialStores.Create(config);  // auth.json, the keyring, or memory
/// </code>
/// </example>
public sealed class CodexConfiguration
{
    private CodexConfiguration(string codexHome, CodexConfigFile file)
    {
        CodexHome = codexHome;
        File = file;
    }

    /// <summary>Gets the environment the configuration was resolved in (the keyring client reads its D-Bus address there).</summary>
    internal CodexEnvironment Environment { get; private init; } = CodexEnvironment.Process;

    /// <summary>Gets the default ChatGPT backend base URL, <c>https://chatgpt.com/backend-api/</c>.</summary>
    public static Uri DefaultChatGptBaseUrl { get; } = new("https://chatgpt.com/backend-api/");

    /// <summary>Gets the Codex home directory (full path; it need not exist).</summary>
    public string CodexHome { get; }

    /// <summary>Gets what <c>config.toml</c> says, before options and the environment are applied.</summary>
    public CodexConfigFile File { get; }

    /// <summary>Gets the credential store mode.</summary>
    public CodexCredentialStoreMode CredentialsStore { get; private init; }

    /// <summary>Gets the ChatGPT backend base URL (ends in <c>/</c>). ChatGPT model calls go to <c>codex/</c> beneath it.</summary>
    public Uri ChatGptBaseUrl { get; private init; } = DefaultChatGptBaseUrl;

    /// <summary>Gets the ChatGPT base URL for model calls: <see cref="ChatGptBaseUrl"/> + <c>codex/</c>.</summary>
    public Uri ChatGptCodexBaseUrl => new(ChatGptBaseUrl, "codex/");

    /// <summary>Gets the only sign-in method allowed, or <see langword="null"/> for any.</summary>
    public CodexLoginMethod? ForcedLoginMethod { get; private init; }

    /// <summary>Gets the only ChatGPT workspace (account id) allowed, or <see langword="null"/> for any.</summary>
    public string? ForcedChatGptWorkspaceId { get; private init; }

    /// <summary>Gets the data residency to require (<c>enforce_residency</c>); <see cref="Routing.CodexResidency.None"/> by default.</summary>
    public Routing.CodexResidency EnforceResidency { get; private init; }

    /// <summary>Resolves the configuration: <paramref name="options"/>, then the environment, then config.toml, then defaults.</summary>
    /// <param name="options">Values set in code; <see langword="null"/> for none.</param>
    /// <param name="environment">The environment; defaults to the process environment.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="CodexAuthException">
    /// <see cref="CodexAuthFailureReason.MalformedConfiguration"/> (config.toml or a variable cannot be used) or
    /// <see cref="CodexAuthFailureReason.StoreUnavailable"/> (CODEX_HOME is not an existing directory).
    /// </exception>
    public static CodexConfiguration Resolve(CodexConfigurationOptions? options = null, CodexEnvironment? environment = null)
    {
        options ??= new CodexConfigurationOptions();
        environment ??= CodexEnvironment.Process;
        string home = Storage.CodexHome.Resolve(options.CodexHome, environment);
        CodexConfigFile file = CodexConfigFile.Load(home);

        return new CodexConfiguration(home, file)
        {
            Environment = environment,
            CredentialsStore = options.CredentialsStore
                ?? FromVariable(environment, CodexEnvironmentVariables.CredentialsStore, CodexConfigFile.ParseStoreMode, "file, keyring, auto or ephemeral")
                ?? file.CredentialsStore
                ?? CodexCredentialStoreMode.File,
            ChatGptBaseUrl = (options.ChatGptBaseUrl is { } configured ? ValidateBaseUrl(configured) : null)
                ?? FromVariable(environment, CodexEnvironmentVariables.ChatGptBaseUrl, CodexConfigFile.ParseBaseUrl, "an absolute http or https URL")
                ?? file.ChatGptBaseUrl
                ?? DefaultChatGptBaseUrl,
            ForcedLoginMethod = options.ForcedLoginMethod
                ?? FromVariable(environment, CodexEnvironmentVariables.ForcedLoginMethod, CodexConfigFile.ParseLoginMethod, "chatgpt or api")
                ?? file.ForcedLoginMethod,
            ForcedChatGptWorkspaceId = NonBlank(options.ForcedChatGptWorkspaceId)
                ?? environment.GetNonBlank(CodexEnvironmentVariables.ForcedChatGptWorkspaceId)
                ?? file.ForcedChatGptWorkspaceId,
            EnforceResidency = options.EnforceResidency ?? file.EnforceResidency ?? Routing.CodexResidency.None,
        };
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"CodexConfiguration {CodexHome}: store {CredentialsStore.ToString().ToLowerInvariant()}, ChatGPT {ChatGptBaseUrl}"
        + (ForcedLoginMethod is { } method ? $", login {method.ToString().ToLowerInvariant()} only" : string.Empty)
        + (ForcedChatGptWorkspaceId is { } workspace ? $", workspace {workspace} only" : string.Empty)
        + (EnforceResidency != Routing.CodexResidency.None ? $", residency {EnforceResidency.ToString().ToLowerInvariant()}" : string.Empty);

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Uri ValidateBaseUrl(Uri configured) =>
        CodexConfigFile.ParseBaseUrl(configured.IsAbsoluteUri ? configured.AbsoluteUri : configured.OriginalString)
        ?? throw new CodexAuthException(
            CodexAuthFailureReason.MalformedConfiguration,
            "The configured ChatGPT base URL is not an absolute http or https URL without query or fragment.",
            "Set ChatGptBaseUrl to a URL such as https://chatgpt.com/backend-api/.");

    private static T? FromVariable<T>(CodexEnvironment environment, string name, Func<string, T?> parse, string expected)
        where T : struct
    {
        string? value = environment.GetNonBlank(name);
        if (value is null)
        {
            return null;
        }

        return parse(value) ?? throw new CodexAuthException(
            CodexAuthFailureReason.MalformedConfiguration,
            $"The environment variable {name} must be {expected}.",
            $"Correct or unset {name}.");
    }

    private static Uri? FromVariable(CodexEnvironment environment, string name, Func<string, Uri?> parse, string expected)
    {
        string? value = environment.GetNonBlank(name);
        if (value is null)
        {
            return null;
        }

        return parse(value) ?? throw new CodexAuthException(
            CodexAuthFailureReason.MalformedConfiguration,
            $"The environment variable {name} must be {expected}.",
            $"Correct or unset {name}.");
    }
}
