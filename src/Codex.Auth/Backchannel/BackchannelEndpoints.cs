namespace Codex.Auth.Backchannel;

/// <summary>
/// The one rule for every auth endpoint and every override of one: an absolute <c>https</c> URL, or <c>http</c> to a
/// loopback address only; no user information. Errors name the setting and at most the URL's scheme, host, port and
/// path — never its user information or query, which may hold a secret.
/// </summary>
internal static class BackchannelEndpoints
{
    /// <summary>Whether credentials may be sent to <paramref name="uri"/>: HTTPS, or plain HTTP to loopback.</summary>
    public static bool IsSecureOrLoopback(Uri uri) =>
        uri.IsAbsoluteUri
        && (string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase)
            || (string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase) && uri.IsLoopback));

    /// <summary>Checks a configured endpoint and returns it.</summary>
    /// <param name="uri">The URL.</param>
    /// <param name="setting">The option or variable it came from, for the message.</param>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.InvalidEndpoint"/> (not absolute, not http(s), user information) or <see cref="CodexAuthFailureReason.InsecureTransport"/>.</exception>
    public static Uri Require(Uri uri, string setting)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri)
        {
            throw Invalid(setting, "is not an absolute URL");
        }

        if (!string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(setting, $"has the scheme '{SafeScheme(uri.Scheme)}', not https");
        }

        if (uri.UserInfo.Length > 0)
        {
            throw Invalid(setting, "carries a user name or password, which is never sent");
        }

        if (!IsSecureOrLoopback(uri))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.InsecureTransport,
                $"{setting} ({Describe(uri)}) is plain HTTP to a host that is not loopback: credentials would travel in clear, so nothing is sent.",
                $"Use an https:// URL (plain http:// is allowed only for 127.0.0.1, ::1 or localhost), or unset {setting}.");
        }

        return uri;
    }

    /// <summary>Parses and checks an endpoint given as text (an environment variable or a configuration value).</summary>
    /// <exception cref="CodexAuthException">As <see cref="Require(Uri, string)"/>; the value itself is never quoted.</exception>
    public static Uri Parse(string value, string setting)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out Uri? uri))
        {
            throw Invalid(setting, "is not an absolute URL");
        }

        return Require(uri, setting);
    }

    /// <summary>Reads and checks an endpoint override from the environment; <see langword="null"/> when unset or blank.</summary>
    public static Uri? FromEnvironment(CodexEnvironment environment, string name) =>
        environment.GetNonBlank(name) is { } value ? Parse(value, name) : null;

    /// <summary>The URL as messages may show it: scheme, host, port and path; no user information, query or fragment.</summary>
    public static string Describe(Uri uri) =>
        uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.SafeUnescaped) : "(relative URL)";

    private static string SafeScheme(string scheme) => scheme.Length <= 16 && scheme.All(char.IsAsciiLetterOrDigit) ? scheme : "?";

    private static CodexAuthException Invalid(string setting, string what) =>
        new(
            CodexAuthFailureReason.InvalidEndpoint,
            $"{setting} {what}; it must be an absolute https:// URL (or http:// to loopback) without a user name or password.",
            $"Fix or unset {setting}.");
}
