using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.ApiKeys;

/// <summary>
/// Validates <see cref="PersonalAccessTokenProviderOptions"/>: registered by <c>AddCodexAuth</c> and called by the provider's
/// constructor. The accounts API URL is checked by the back channel (a typed <see cref="CodexAuthException"/>).
/// </summary>
internal sealed class PersonalAccessTokenProviderOptionsValidator : IValidateOptions<PersonalAccessTokenProviderOptions>
{
    public static PersonalAccessTokenProviderOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, PersonalAccessTokenProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(PersonalAccessTokenProviderOptions));
        checks.AbsoluteUrl(options.BaseUrl, nameof(options.BaseUrl), optional: true); // null: the default
        return checks.Result;
    }
}
