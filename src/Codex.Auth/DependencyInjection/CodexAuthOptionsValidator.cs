using Microsoft.Extensions.Options;

namespace Codex.Auth.DependencyInjection;

/// <summary>
/// Validates <see cref="CodexAuthOptions"/>: at start in <c>AddCodexAuth</c> (<c>ValidateOnStart</c>), and in
/// <see cref="CodexProviderFactory.Create(CodexAuthOptions)"/> outside dependency injection.
/// </summary>
internal sealed class CodexAuthOptionsValidator : IValidateOptions<CodexAuthOptions>
{
    public static CodexAuthOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, CodexAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new Internal.OptionsChecks(nameof(CodexAuthOptions));
        checks.NotBlankIfSet(options.ApiKey, nameof(options.ApiKey), "remove it or set a key.");
        if (options.CodexHome is { } home && (home.Length == 0 || !Directory.Exists(home)))
        {
            checks.Fail(nameof(options.CodexHome), $"'{home}' is not an existing directory; create it or leave CodexHome null to use CODEX_HOME or ~/.codex.");
        }

        checks.Defined(options.Source, nameof(options.Source), "credential source");
        if (options.Source == CodexCredentialSource.ChatGpt && options.ApiKey is not null)
        {
            checks.Fail(nameof(options.ApiKey), "is set but Source is ChatGpt; use Source = ApiKey or Auto, or remove the key.");
        }

        checks.Defined(options.EnforceResidency, nameof(options.EnforceResidency), "residency (None or Us)");
        if (options.CredentialsStore is { } store)
        {
            checks.Defined(store, nameof(options.CredentialsStore), "store (File, Keyring, Auto or Ephemeral)");
        }

        // The URL is never echoed: it may carry a user name or password (OptionsChecks.AbsoluteUrl says why it failed).
        checks.AbsoluteUrl(options.ChatGptBaseUrl, nameof(options.ChatGptBaseUrl), optional: true);
        if (options.ChatGptBaseUrl is { IsAbsoluteUri: true, UserInfo.Length: 0 } baseUrl
            && (baseUrl.Scheme == Uri.UriSchemeHttps || baseUrl.Scheme == Uri.UriSchemeHttp)
            && Configuration.CodexConfigFile.ParseBaseUrl(baseUrl.AbsoluteUri) is null)
        {
            checks.Fail(nameof(options.ChatGptBaseUrl), $"(host {baseUrl.Host}) has a query or fragment; give a base such as https://chatgpt.com/backend-api/.");
        }

        checks.HostNames(options.AllowedHosts, nameof(options.AllowedHosts));
        return checks.Result;
    }
}
