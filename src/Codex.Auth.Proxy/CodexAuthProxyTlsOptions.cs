namespace Codex.Auth.Proxy;

/// <summary>TLS settings for <see cref="CodexAuthProxyHost"/>.</summary>
public sealed class CodexAuthProxyTlsOptions
{
    /// <summary>Gets or sets how TLS is served. Default <see cref="CodexAuthProxyTlsMode.None"/>.</summary>
    public CodexAuthProxyTlsMode Mode { get; set; }

    /// <summary>Gets or sets the server certificate (PEM) for <see cref="CodexAuthProxyTlsMode.PemFiles"/>.</summary>
    public string? CertificatePemPath { get; set; }

    /// <summary>Gets or sets the server certificate's private key (PEM) for <see cref="CodexAuthProxyTlsMode.PemFiles"/>.</summary>
    public string? KeyPemPath { get; set; }

    /// <summary>Gets or sets where the local CA keeps its certificate and key; <see langword="null"/> for <see cref="LocalCertificateAuthority.DefaultDirectory"/> (<c>~/.codex-auth/proxy-ca</c>).</summary>
    public string? CertificateAuthorityDirectory { get; set; }

    /// <summary>
    /// Gets or sets a path to write the local CA's certificate to (PEM, public part only), for the agent's
    /// <c>CODEX_CA_CERTIFICATE</c>; <see langword="null"/> writes nothing.
    /// </summary>
    public string? ExportCaCertificatePath { get; set; }

    /// <summary>Gets the extra DNS names or IP addresses the generated certificate covers (the listen address and <c>localhost</c> always are).</summary>
    public IList<string> AdditionalNames { get; } = [];
}
