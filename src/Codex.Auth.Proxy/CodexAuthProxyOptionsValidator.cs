using Codex.Auth.Internal;
using Codex.Auth.Proxy.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.Proxy;

/// <summary>
/// Validates <see cref="CodexAuthProxyOptions"/> (upstreams, agent key, timeouts, limits, port, TLS settings): called by
/// <see cref="CodexAuthProxyOptions.Validate"/>, <c>AddCodexAuthProxy</c> and <see cref="CodexAuthProxyHost.StartAsync"/>, and
/// registered as an <see cref="IValidateOptions{TOptions}"/>. Each failure names the option; no message echoes a secret.
/// </summary>
internal sealed class CodexAuthProxyOptionsValidator : IValidateOptions<CodexAuthProxyOptions>
{
    public static CodexAuthProxyOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, CodexAuthProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(CodexAuthProxyOptions));
        void Fail(string property, string problem) => checks.Fail(property, problem);

        CheckUpstream(options.ChatGptUpstream, nameof(options.ChatGptUpstream), Fail);
        CheckUpstream(options.OpenAIUpstream, nameof(options.OpenAIUpstream), Fail);
        CheckUpstream(options.AuthUpstream, nameof(options.AuthUpstream), Fail);
        if (options.AgentKey is { } key && (key.Length < 16 || key.Any(c => c <= ' ' || c > '\u007e')))
        {
            Fail(nameof(options.AgentKey), "must be at least 16 characters without whitespace or control characters (for example `openssl rand -hex 32`).");
        }

        checks.NotNegative(options.UpstreamRejectionRecoveryInterval, nameof(options.UpstreamRejectionRecoveryInterval));
        checks.Positive(options.UpstreamActivityTimeout, nameof(options.UpstreamActivityTimeout));
        checks.Positive(options.UpstreamConnectTimeout, nameof(options.UpstreamConnectTimeout));
        checks.Positive(options.IdleTimeout, nameof(options.IdleTimeout));
        checks.NotNegative(options.DrainTimeout, nameof(options.DrainTimeout));
        if (options.MaxRequestBodySize <= 0)
        {
            Fail(nameof(options.MaxRequestBodySize), $"is {options.MaxRequestBodySize}; it must be positive.");
        }

        if (options.MaxRequestHeadersTotalSize < 1024)
        {
            Fail(nameof(options.MaxRequestHeadersTotalSize), $"is {options.MaxRequestHeadersTotalSize}; it must be at least 1024 bytes.");
        }

        if (options.Port is < 0 or > 65535)
        {
            Fail(nameof(options.Port), $"is {options.Port}; it must be a TCP port from 0 (any free port) to 65535.");
        }

        if (options.Tls is not { } tls)
        {
            Fail(nameof(options.Tls), "is not set; leave the default (plain HTTP) or set a mode.");
        }
        else if (!Enum.IsDefined(tls.Mode))
        {
            Fail("Tls.Mode", $"'{tls.Mode}' is not a known mode (None, LocalCertificateAuthority or PemFiles).");
        }
        else if (tls.Mode == CodexAuthProxyTlsMode.PemFiles && (string.IsNullOrWhiteSpace(tls.CertificatePemPath) || string.IsNullOrWhiteSpace(tls.KeyPemPath)))
        {
            Fail("Tls", "with Mode = PemFiles needs both CertificatePemPath and KeyPemPath.");
        }

        return checks.Result;
    }

    /// <summary>Throws what <c>ValidateOnStart</c> would throw for the same value.</summary>
    /// <exception cref="OptionsValidationException">An option is invalid.</exception>
    public static void ThrowIfInvalid(CodexAuthProxyOptions options) => OptionsChecks.ThrowIfInvalid(Instance, options);

    private static void CheckUpstream(Uri? upstream, string property, Action<string, string> fail)
    {
        if (upstream is null || !upstream.IsAbsoluteUri)
        {
            fail(property, "must be an absolute URL.");
        }
        else if (!string.IsNullOrEmpty(upstream.UserInfo) || !string.IsNullOrEmpty(upstream.Query) || !string.IsNullOrEmpty(upstream.Fragment))
        {
            fail(property, "must not contain credentials, a query or a fragment.");
        }
        else if (!(upstream.Scheme == Uri.UriSchemeHttps || (upstream.Scheme == Uri.UriSchemeHttp && Upstreams.IsLoopback(upstream))))
        {
            fail(property, $"{upstream.GetLeftPart(UriPartial.Authority)} must use https (plain http is allowed only for loopback addresses).");
        }
    }
}
