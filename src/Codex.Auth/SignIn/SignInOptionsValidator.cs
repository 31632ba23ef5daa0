using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.SignIn;

/// <summary>
/// Validates <see cref="SignInOptions"/>: registered by <c>AddCodexAuth</c> and called by <see cref="CodexSignIn"/>'s constructor.
/// Whether the issuer and revoke URL are HTTPS or loopback is the back channel's rule (a typed <see cref="CodexAuthException"/>).
/// </summary>
internal sealed class SignInOptionsValidator : IValidateOptions<SignInOptions>
{
    public static SignInOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, SignInOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(SignInOptions));
        checks.AbsoluteUrl(options.Issuer, nameof(options.Issuer), optional: false);
        checks.AbsoluteUrl(options.RevokeUrl, nameof(options.RevokeUrl), optional: true);
        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            checks.Fail(nameof(options.ClientId), "is blank; leave the default (the Codex CLI's client id) or set one.");
        }

        if (string.IsNullOrWhiteSpace(options.Originator))
        {
            checks.Fail(nameof(options.Originator), "is blank; leave the default (codex_cli_rs) or set one.");
        }

        if (options.TimeProvider is null)
        {
            checks.Fail(nameof(options.TimeProvider), "is not set; leave the default (TimeProvider.System) or set a clock.");
        }

        if (options.CallbackPort is < 0 or > 65535)
        {
            checks.Fail(nameof(options.CallbackPort), $"is {options.CallbackPort}; it must be a port number from 0 (any free port) to 65535.");
        }

        if (options.FallbackCallbackPort is < 0 or > 65535)
        {
            checks.Fail(nameof(options.FallbackCallbackPort), $"is {options.FallbackCallbackPort}; it must be a port number from 0 to 65535, or null for none.");
        }

        checks.Positive(options.DeviceCodeLifetime, nameof(options.DeviceCodeLifetime));
        return checks.Result;
    }
}
