using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.AgentIdentity;

/// <summary>
/// Validates <see cref="AgentIdentityProviderOptions"/>: registered by <c>AddCodexAuth</c> and called by the provider's
/// constructor. The JWKS and accounts API URLs are checked by the back channel (a typed <see cref="CodexAuthException"/>).
/// </summary>
internal sealed class AgentIdentityProviderOptionsValidator : IValidateOptions<AgentIdentityProviderOptions>
{
    public static AgentIdentityProviderOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, AgentIdentityProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(AgentIdentityProviderOptions));
        checks.AbsoluteUrl(options.BaseUrl, nameof(options.BaseUrl), optional: true); // null: the default
        checks.NotNegative(options.RegistrationRetryDelay, nameof(options.RegistrationRetryDelay));
        checks.Positive(options.RegistrationAttemptTimeout, nameof(options.RegistrationAttemptTimeout), infiniteMeansNone: true);
        return checks.Result;
    }
}
