using Microsoft.Extensions.Options;

namespace Codex.Auth.Internal;

/// <summary>
/// Collects the failures of one options object, each naming the option (<c>Type.Property …</c>), for an
/// <see cref="IValidateOptions{TOptions}"/> implementation. The same validator runs at start in dependency injection
/// (<c>ValidateOnStart</c>) and in constructors outside it (<see cref="ThrowIfInvalid{TOptions}"/>), so a bad value gives the same
/// <see cref="OptionsValidationException"/> message either way.
/// </summary>
internal sealed class OptionsChecks(string typeName)
{
    private List<string>? _failures;

    /// <summary>Gets the result: success, or every failure.</summary>
    public ValidateOptionsResult Result => _failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    /// <summary>Runs <paramref name="validator"/> and throws what <c>ValidateOnStart</c> would throw for the same value.</summary>
    /// <exception cref="OptionsValidationException">An option is invalid; <see cref="OptionsValidationException.Failures"/> names each.</exception>
    public static void ThrowIfInvalid<TOptions>(IValidateOptions<TOptions> validator, TOptions options)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptionsResult result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures);
        }
    }

    /// <summary>Records a failure: <c>{Type}.{property} {problem}</c>.</summary>
    public void Fail(string property, string problem) => (_failures ??= []).Add($"{typeName}.{property} {problem}");

    /// <summary>A duration that must be longer than zero; <see cref="Timeout.InfiniteTimeSpan"/> too when <paramref name="infiniteMeansNone"/>.</summary>
    public void Positive(TimeSpan value, string property, bool infiniteMeansNone = false)
    {
        if (value <= TimeSpan.Zero && !(infiniteMeansNone && value == Timeout.InfiniteTimeSpan))
        {
            Fail(property, infiniteMeansNone
                ? $"is {value}; it must be positive (or Timeout.InfiniteTimeSpan for no limit)."
                : $"is {value}; it must be positive.");
        }
    }

    /// <summary>A duration that may be zero but not negative.</summary>
    public void NotNegative(TimeSpan value, string property)
    {
        if (value < TimeSpan.Zero)
        {
            Fail(property, $"is {value}; it must not be negative.");
        }
    }

    /// <summary>A count of at least <paramref name="minimum"/>.</summary>
    public void AtLeast(long value, long minimum, string property)
    {
        if (value < minimum)
        {
            Fail(property, $"is {value}; it must be at least {minimum}.");
        }
    }

    /// <summary>A URL that must be absolute (and present unless <paramref name="optional"/>) and carry no user name or password.</summary>
    public void AbsoluteUrl(Uri? value, string property, bool optional)
    {
        if (value is null)
        {
            if (!optional)
            {
                Fail(property, "is not set; give an absolute http or https URL.");
            }
        }
        else if (!value.IsAbsoluteUri || (value.Scheme != Uri.UriSchemeHttps && value.Scheme != Uri.UriSchemeHttp))
        {
            // The value is never echoed: it may carry a password.
            Fail(property, "is not an absolute http or https URL.");
        }
        else if (!string.IsNullOrEmpty(value.UserInfo))
        {
            Fail(property, $"(host {value.Host}) carries a user name or password; remove it.");
        }
    }
    /// <summary>An optional string that, when set, must not be blank.</summary>
    public void NotBlankIfSet(string? value, string property, string remedy)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            Fail(property, $"is set but blank; {remedy}");
        }
    }

    /// <summary>An enum value that must be one of its declared members.</summary>
    public void Defined<TEnum>(TEnum value, string property, string known)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            Fail(property, $"'{value}' is not a known {known}.");
        }
    }

    /// <summary>Every entry a bare host name (no scheme, path or port).</summary>
    public void HostNames(IEnumerable<string> hosts, string property)
    {
        foreach (string host in hosts)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim()) == UriHostNameType.Unknown)
            {
                Fail(property, $"contains '{host}', which is not a host name (give a bare host such as 'example.com', without scheme or path).");
            }
        }
    }
}
