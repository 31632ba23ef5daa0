using System.CommandLine;

namespace Codex.Auth.Cli;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Write machine-readable JSON to stdout (schema in the README)." };

    public static Option<string?> Issuer() => new("--issuer")
    {
        Description = "The OAuth issuer (default https://auth.openai.com); every sign-in endpoint is derived from it.",
        HelpName = "url",
    };

    /// <summary>Parses <c>--issuer</c>: an absolute http(s) URL, or <see langword="null"/> when absent.</summary>
    public static Uri? ParseIssuer(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new CliUsageException("--issuer must be an absolute http(s) URL.");
        }

        return uri;
    }
}
