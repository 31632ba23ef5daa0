namespace Codex.Auth.Proxy;

/// <summary>How <see cref="CodexAuthProxyHost"/> serves TLS.</summary>
public enum CodexAuthProxyTlsMode
{
    /// <summary>Plain HTTP (Codex 0.156 and later refuse a plain-HTTP ChatGPT origin).</summary>
    None = 0,

    /// <summary>HTTPS with the certificate and key in <see cref="CodexAuthProxyTlsOptions.CertificatePemPath"/> and <see cref="CodexAuthProxyTlsOptions.KeyPemPath"/>.</summary>
    PemFiles,

    /// <summary>HTTPS with a certificate for the listen address, issued at start by a local CA (<see cref="LocalCertificateAuthority"/>) created once and kept.</summary>
    LocalCertificateAuthority,
}
