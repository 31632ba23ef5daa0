using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.Redis;

/// <summary>
/// Validates <see cref="RedisCredentialStoreOptions"/>: at start in <c>AddCodexAuthRedisStore</c> (<c>ValidateOnStart</c>), and in
/// <see cref="RedisCredentialStore"/>'s constructor outside dependency injection — the same failures, each naming the option.
/// </summary>
internal sealed class RedisCredentialStoreOptionsValidator : IValidateOptions<RedisCredentialStoreOptions>
{
    public static RedisCredentialStoreOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, RedisCredentialStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(RedisCredentialStoreOptions));
        void Fail(string property, string problem) => checks.Fail(property, problem);

        if (!RedisStoreAddress.IsValidName(options.Name))
        {
            Fail(nameof(options.Name), "must be 1–64 letters, digits, '.', '_' or '-'.");
        }

        if (options.LeaseDuration < TimeSpan.FromMilliseconds(100) || options.LeaseDuration > TimeSpan.FromMinutes(10))
        {
            Fail(nameof(options.LeaseDuration), $"is {options.LeaseDuration}; it must be between 100 ms and 10 minutes.");
        }

        if (options.OperationTimeout <= TimeSpan.Zero || options.OperationTimeout > TimeSpan.FromMinutes(1))
        {
            Fail(nameof(options.OperationTimeout), $"is {options.OperationTimeout}; it must be positive and at most a minute.");
        }

        if (options.Database < -1)
        {
            Fail(nameof(options.Database), $"is {options.Database}; it must be -1 (the connection's default) or a database number.");
        }

        return checks.Result;
    }

    /// <summary>Throws what <c>ValidateOnStart</c> would throw for the same value.</summary>
    /// <exception cref="OptionsValidationException">An option is invalid.</exception>
    public static void ThrowIfInvalid(RedisCredentialStoreOptions options) => OptionsChecks.ThrowIfInvalid(Instance, options);
}
