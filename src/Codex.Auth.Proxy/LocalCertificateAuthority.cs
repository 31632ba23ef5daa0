using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Codex.Auth.Proxy.Internal;

namespace Codex.Auth.Proxy;

/// <summary>
/// A certificate authority of the proxy's own, created once in a directory (key file mode 0600) and reused, that issues
/// short-lived server certificates for the proxy's listen address. Agents trust it through <c>CODEX_CA_CERTIFICATE</c>, pointing at
/// a copy of the CA certificate written by <see cref="ExportCertificate"/> (the public part only).
/// </summary>
/// <remarks>
/// The CA carries critical name constraints: it is valid only for the DNS names and IP addresses it was created for (always
/// <c>localhost</c>, <c>127.0.0.1</c> and <c>::1</c>), so a copy of its key cannot be used to impersonate any other host to a
/// client that trusts it. Asking for a name outside them re-creates the CA with the wider set (and a new key).
/// </remarks>
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

    /// <summary>The lock file in the directory that serialises creating and replacing the CA across processes.</summary>
    internal const string LockFileName = "ca.lock";

    private const string NameConstraintsOid = "2.5.29.30";

    private static readonly TimeSpan s_lockTimeout = TimeSpan.FromSeconds(60);

    private static readonly string[] s_alwaysPermitted = ["localhost", "127.0.0.1", "::1"];

    private readonly X509Certificate2 _authority;
    private readonly TimeProvider _time;
    private readonly NameSet _permitted;

    private LocalCertificateAuthority(string directory, X509Certificate2 authority, TimeProvider time, NameSet permitted)
    {
        Directory = directory;
        _authority = authority;
        _time = time;
        _permitted = permitted;
        Certificate = X509CertificateLoader.LoadCertificate(authority.RawData);
    }

    /// <summary>Gets the DNS names and IP addresses the CA may issue for (its name constraints).</summary>
    public IReadOnlyList<string> PermittedNames => [.. _permitted.Dns, .. _permitted.Addresses.Select(a => a.ToString())];

    /// <summary>Gets the default directory: <c>~/.codex-auth/proxy-ca</c>.</summary>
    public static string DefaultDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".codex-auth", "proxy-ca");

    /// <summary>Gets the directory holding the CA's certificate and key.</summary>
    public string Directory { get; }

    /// <summary>Gets the CA certificate, without its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Gets the CA certificate as PEM (public part only).</summary>
    public string CertificatePem => Certificate.ExportCertificatePem();

    /// <summary>Loads the CA from <paramref name="directory"/>, creating it there first if it does not exist yet; it may issue for loopback only.</summary>
    /// <param name="directory">The directory; <see langword="null"/> for <see cref="DefaultDirectory"/>.</param>
    /// <param name="timeProvider">The clock for validity periods; <see langword="null"/> for the system clock (TLS peers check the real one).</param>
    /// <returns>The CA.</returns>
    /// <exception cref="InvalidOperationException">The files exist but cannot be used.</exception>
    /// <exception cref="TimeoutException">Another process kept the directory's <c>ca.lock</c> for over a minute.</exception>
    public static LocalCertificateAuthority LoadOrCreate(string? directory = null, TimeProvider? timeProvider = null) =>
        LoadOrCreate(directory, s_alwaysPermitted, timeProvider);

    /// <summary>
    /// Loads the CA from <paramref name="directory"/>, creating it there first if it does not exist yet — or re-creating it when
    /// its name constraints do not cover <paramref name="names"/> (or it has none, from an older version).
    /// </summary>
    /// <param name="directory">The directory; <see langword="null"/> for <see cref="DefaultDirectory"/>.</param>
    /// <param name="names">The DNS names and IP addresses it must be able to issue for (loopback is always included).</param>
    /// <param name="timeProvider">The clock for validity periods; <see langword="null"/> for the system clock (TLS peers check the real one).</param>
    /// <returns>The CA.</returns>
    /// <exception cref="InvalidOperationException">The files exist but cannot be used.</exception>
    /// <exception cref="TimeoutException">Another process kept the directory's <c>ca.lock</c> for over a minute.</exception>
    public static LocalCertificateAuthority LoadOrCreate(string? directory, IEnumerable<string> names, TimeProvider? timeProvider = null) =>
        LoadOrCreate(directory, names, timeProvider, s_lockTimeout);

    /// <summary>As the public overload, waiting at most <paramref name="lockTimeout"/> for another process's <c>ca.lock</c>.</summary>
    internal static LocalCertificateAuthority LoadOrCreate(string? directory, IEnumerable<string> names, TimeProvider? timeProvider, TimeSpan lockTimeout)
    {
        ArgumentNullException.ThrowIfNull(names);
        TimeProvider time = timeProvider ?? TimeProvider.System;
        NameSet wanted = NameSet.From(s_alwaysPermitted.Concat(names));
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

        // One process at a time creates or replaces the pair; others wait and load the result.
        using ExclusiveFileLock held = ExclusiveFileLock.Acquire(Path.Combine(dir, LockFileName), lockTimeout);
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            Create(certPath, keyPath, time, wanted);
        }

        X509Certificate2 authority = Load(dir, certPath, keyPath);
        NameSet? existing = ReadConstraints(authority);
        if (existing is null || !existing.Covers(wanted))
        {
            // An unconstrained CA (older versions) or one made for other names: replace it, keeping the names it had.
            authority.Dispose();
            Create(certPath, keyPath, time, existing is null ? wanted : existing.Union(wanted), replace: true);
            authority = Load(dir, certPath, keyPath);
            existing = ReadConstraints(authority)!;
        }

        return new LocalCertificateAuthority(dir, authority, time, existing);
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
            if (!_permitted.Covers(NameSet.From([name])))
            {
                throw new InvalidOperationException(
                    $"The proxy CA in {Directory} may issue only for {string.Join(", ", PermittedNames)} (its name constraints), not for '{name}'. " +
                    "Load it with that name (LoadOrCreate(directory, names)) to re-create it for a wider set.");
            }

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
        // The names live in the SAN; a CN that is not a host name keeps name-constraint checkers from reading it as one.
        _ = first;
        var request = new CertificateRequest(new X500DistinguishedName("CN=Codex.Auth proxy server, O=Codex.Auth proxy"), key, HashAlgorithmName.SHA256);
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

    private static X509Certificate2 Load(string dir, string certPath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"The proxy CA in {dir} cannot be loaded ({ex.Message}). Delete {CertificateFileName} and {KeyFileName} there to create a new one.", ex);
        }
    }

    private static NameSet? ReadConstraints(X509Certificate2 authority)
    {
        X509Extension? extension = authority.Extensions[NameConstraintsOid];
        if (extension is null)
        {
            return null;
        }

        try
        {
            var dns = new List<string>();
            var addresses = new List<IPAddress>();
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            AsnReader constraints = reader.ReadSequence();
            AsnReader permitted = constraints.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            while (permitted.HasData)
            {
                AsnReader subtree = permitted.ReadSequence();
                Asn1Tag tag = subtree.PeekTag();
                if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 2)))
                {
                    dns.Add(subtree.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, 2)));
                }
                else if (tag.HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 7)))
                {
                    byte[] addressAndMask = subtree.ReadOctetString(new Asn1Tag(TagClass.ContextSpecific, 7));
                    addresses.Add(new IPAddress(addressAndMask.AsSpan(0, addressAndMask.Length / 2)));
                }
                else
                {
                    return null;
                }
            }

            return new NameSet(dns, addresses);
        }
        catch (Exception ex) when (ex is AsnContentException or ArgumentException)
        {
            return null;
        }
    }

    private static X509Extension EncodeConstraints(NameSet names)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
            {
                foreach (string dns in names.Dns)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteCharacterString(UniversalTagNumber.IA5String, dns, new Asn1Tag(TagClass.ContextSpecific, 2));
                    }
                }

                foreach (IPAddress address in names.Addresses)
                {
                    byte[] bytes = address.GetAddressBytes();
                    byte[] addressAndMask = new byte[bytes.Length * 2];
                    bytes.CopyTo(addressAndMask, 0);
                    addressAndMask.AsSpan(bytes.Length).Fill(0xFF); // exactly this address
                    using (writer.PushSequence())
                    {
                        writer.WriteOctetString(addressAndMask, new Asn1Tag(TagClass.ContextSpecific, 7));
                    }
                }
            }
        }

        // RFC 5280 §4.2.1.10: conforming CAs MUST mark this extension critical.
        return new X509Extension(new Oid(NameConstraintsOid, "Name Constraints"), writer.Encode(), critical: true);
    }

    private static void Create(string certPath, string keyPath, TimeProvider time, NameSet names, bool replace = false)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=Codex.Auth proxy local CA, O=Codex.Auth"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(EncodeConstraints(names));
        DateTimeOffset now = time.GetUtcNow();
        using X509Certificate2 authority = request.CreateSelfSigned(now.AddHours(-1), now.AddYears(10));

        string keyTemp = keyPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        string certTemp = certPath + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            WritePrivate(keyTemp, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(certTemp, authority.ExportCertificatePem(), Encoding.ASCII);

            // Another process may have created the CA meanwhile; theirs wins (unless this one replaces it on purpose).
            if (!replace && (File.Exists(keyPath) || File.Exists(certPath)))
            {
                return;
            }

            File.Move(keyTemp, keyPath, overwrite: replace);
            File.Move(certTemp, certPath, overwrite: replace);
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

    /// <summary>The names a CA is constrained to: DNS names (case-insensitive) and single IP addresses.</summary>
    private sealed class NameSet(IReadOnlyList<string> dns, IReadOnlyList<IPAddress> addresses)
    {
        public IReadOnlyList<string> Dns { get; } = dns;

        public IReadOnlyList<IPAddress> Addresses { get; } = addresses;

        public static NameSet From(IEnumerable<string> names)
        {
            var dns = new List<string>();
            var addresses = new List<IPAddress>();
            foreach (string name in names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()))
            {
                if (IPAddress.TryParse(name, out IPAddress? ip))
                {
                    if (!addresses.Contains(ip))
                    {
                        addresses.Add(ip);
                    }
                }
                else if (!dns.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    dns.Add(name.ToLowerInvariant());
                }
            }

            return new NameSet(dns, addresses);
        }

        public bool Covers(NameSet other) =>
            other.Dns.All(d => Dns.Contains(d, StringComparer.OrdinalIgnoreCase))
            && other.Addresses.All(a => Addresses.Contains(a));

        public NameSet Union(NameSet other) =>
            From([.. Dns, .. other.Dns, .. Addresses.Select(a => a.ToString()), .. other.Addresses.Select(a => a.ToString())]);
    }
}
