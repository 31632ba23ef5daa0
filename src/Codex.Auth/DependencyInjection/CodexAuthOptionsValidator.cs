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
        var failures = new List<string>();
        if (options.ApiKey is not null && string.IsNullOrWhiteSpace(options.ApiKey))
        {
            failures.Add("CodexAuthOptions.ApiKey is set but blank; remove it or set a key.");
        }

        if (options.CodexHome is { } home && (home.Length == 0 || !Directory.Exists(home)))
        {
            failures.Add($"CodexAuthOptions.CodexHome '{home}' is not an existing directory; create it or leave CodexHome null to use CODEX_HOME or ~/.codex.");
        }

        if (!Enum.IsDefined(options.Source))
        {
            failures.Add($"CodexAuthOptions.Source '{options.Source}' is not a known credential source.");
        }

        if (options.Source == CodexCredentialSource.ChatGpt && options.ApiKey is not null)
        {
            failures.Add("CodexAuthOptions.ApiKey is set but Source is ChatGpt; use Source = ApiKey or Auto, or remove the key.");
        }

        if (!Enum.IsDefined(options.EnforceResidency))
        {
            failures.Add($"CodexAuthOptions.EnforceResidency '{options.EnforceResidency}' is not a known residency (None or Us).");
        }

        if (options.CredentialsStore is { } store && !Enum.IsDefined(store))
        {
            failures.Add($"CodexAuthOptions.CredentialsStore '{store}' is not a known store (File, Keyring, Auto or Ephemeral).");
        }

        if (options.ChatGptBaseUrl is { } baseUrl && Configuration.CodexConfigFile.ParseBaseUrl(baseUrl.IsAbsoluteUri ? baseUrl.AbsoluteUri : baseUrl.OriginalString) is null)
        {
            failures.Add($"CodexAuthOptions.ChatGptBaseUrl '{baseUrl}' is not an absolute http or https URL without query or fragment (for example https://chatgpt.com/backend-api/).");
        }

        foreach (string host in options.AllowedHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim()) == UriHostNameType.Unknown)
            {
                failures.Add($"CodexAuthOptions.AllowedHosts contains '{host}', which is not a host name (give a bare host such as 'example.com', without scheme or path).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
