using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.ApiKeys;

/// <summary>Validates <see cref="ApiKeyProviderOptions"/>: registered by <c>AddCodexAuth</c> and called by the provider's constructor.</summary>
internal sealed class ApiKeyProviderOptionsValidator : IValidateOptions<ApiKeyProviderOptions>
{
    public static ApiKeyProviderOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, ApiKeyProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(ApiKeyProviderOptions));
        checks.AbsoluteUrl(options.BaseUrl, nameof(options.BaseUrl), optional: true); // null: the default
        return checks.Result;
    }
}
