using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Codex.Auth.Proxy;

/// <summary>
/// A certificate authority of the proxy's own, created once in a directory (key file mode 0600) and reused, that issues
/// short-lived server certificates for the proxy's listen address. Agents trust it through <c>CODEX_CA_CERTIFICATE</c>, pointing at
/// a copy of the CA certificate written by <see cref="ExportCertificate"/> (the public part only).
/// </summary>
/// <example>
/// <code>
/// using var ca = LocalCertificateAuthority.LoadOrCreate();
/// ca.ExportCertificate("/sandbox/codex-proxy-ca.pem");
/// using X509Certificate2 server = ca.IssueServerCertificate(["127.0.0.1", "localhost"]);
/// </code>
/// </example>
public sealed class LocalCertificateAuthority : IDisposable
{
    /// <summary>The CA certificate's file name in the directory.</summary>
    public const string CertificateFileName = "ca.pem";

    /// <summary>The CA private key's file name in the directory (PKCS#8 PEM, mode 0600).</summary>
    public const string KeyFileName = "ca.key.pem";

    private readonly X509Certificate2 _authority;
    private readonly TimeProvider _time;

    private LocalCertificateAuthority(string directory, X509Certificate2 authority, TimeProvider time)
    {
        Directory = directory;
        _authority = authority;
        _time = time;
        Certificate = X509CertificateLoader.LoadCertificate(authority.RawData);
    }

    /// <summary>Gets the default directory: <c>~/.codex-auth/proxy-ca</c>.</summary>
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".codex-auth", "proxy-ca");

    /// <summary>Gets the directory holding the CA's certificate and key.</summary>
    public string Directory { get; }

    /// <summary>Gets the CA certificate, without its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Gets the CA certificate as PEM (public part only).</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>Loads the CA from <paramref name="directory"/>, creating it there first if it does not exist yet.</summary>
    /// <param name="directory">The directory; <see langword="null"/> for <see cref="DefaultDirectory"/>.</param>
    /// <param name="timeProvider">The clock for validity periods; <see langword="null"/> for the system clock (TLS peers check the real one).</param>
    /// <returns>The CA.</returns>
    /// <exception cref="InvalidOperationException">The files exist but cannot be used.</exception>
    public static LocalCertificateAuthority LoadOrCreate(string? directory = null, TimeProvider? timeProvider = null)
    {
        TimeProvider time = timeProvider ?? TimeProvider.System;
        string dir = Path.GetFullPath(directory ?? DefaultDirectory);
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(dir);
        }
        else
        {
            System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        string certPath = Path.Combine(dir, CertificateFileName);
        string keyPath = Path.Combine(dir, KeyFileName);
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            Create(certPath, keyPath, time);
        }

        try
        {
            X509Certificate2 authority = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            return new LocalCertificateAuthority(dir, authority, time);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"The proxy CA in {dir} cannot be loaded ({ex.Message}). Delete {CertificateFileName} and {KeyFileName} there to create a new one.", ex);
        }
    }

    /// <summary>Writes the CA certificate (PEM, public part only; never the key) to <paramref name="path"/>.</summary>
    /// <param name="path">The file to write, for the agent's <c>CODEX_CA_CERTIFICATE</c>.</param>
    public void ExportCertificate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } parent)
        {
            System.IO.Directory.CreateDirectory(parent);
        }

        File.WriteAllText(full, CertificatePem, Encoding.ASCII);
    }

    /// <summary>Issues a server certificate (with its private key) for the given DNS names and IP addresses.</summary>
    /// <param name="names">DNS names and IP addresses, for example <c>127.0.0.1</c> and <c>localhost</c>.</param>
    /// <param name="validity">How long it is valid; default 30 days (never beyond the CA's own validity).</param>
    /// <returns>The certificate with its private key, ready for Kestrel.</returns>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string> names, TimeSpan? validity = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        var san = new SubjectAlternativeNameBuilder();
        string? first = null;
        foreach (string name in names.Where(n => !string.IsNullOrWhiteSpace(n)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            first ??= name;
            if (IPAddress.TryParse(name, out IPAddress? ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        if (first is null)
        {
            throw new ArgumentException("At least one DNS name or IP address is required.", nameof(names));
        }

        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + first.Replace(",", string.Empty, StringComparison.Ordinal) + ", O=Codex.Auth proxy"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset notBefore = now.AddMinutes(-5);
        DateTimeOffset notAfter = now + (validity ?? TimeSpan.FromDays(30));
        DateTimeOffset caEnd = new(_authority.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter > caEnd)
        {
            notAfter = caEnd;
        }

        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using X509Certificate2 issued = request.Create(_authority, notBefore, notAfter, serial);
        using X509Certificate2 withKey = issued.CopyWithPrivateKey(key);

        // Round-trip through PKCS#12 so that every platform's TLS stack can use the key.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>Releases the CA's key.</summary>
    public void Dispose()
    {
        _authority.Dispose();
        Certificate.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"LocalCertificateAuthority {Certificate.Subject} ({Directory})";

    private static void Create(string certPath, string keyPath, TimeProvider time)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=Codex.Auth proxy local CA, O=Codex.Auth"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        DateTimeOffset now = time.GetUtcNow();
        using X509Certificate2 authority = request.CreateSelfSigned(now.AddHours(-1), now.AddYears(10));

        string keyTemp = keyPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        string certTemp = certPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            WritePrivate(keyTemp, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(certTemp, authority.ExportCertificatePem(), Encoding.ASCII);

            // Another process may have created the CA meanwhile; theirs wins.
            if (File.Exists(keyPath) || File.Exists(certPath))
            {
                return;
            }

            File.Move(keyTemp, keyPath, overwrite: false);
            File.Move(certTemp, certPath, overwrite: false);
        }
        catch (IOException) when (File.Exists(keyPath) && File.Exists(certPath))
        {
        }
        finally
        {
            File.Delete(keyTemp);
            File.Delete(certTemp);
        }
    }

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.ASCII.GetBytes(text));
    }
}
