using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests.Hardening;

/// <summary>The local CA's key leaking must not let anyone impersonate other hosts to an agent that trusts the CA.</summary>
public sealed class CertificateAuthorityConstraintTests
{
    [Fact]
    public void A_certificate_signed_with_the_CA_key_for_another_host_does_not_validate()
    {
        using var dir = new TempDirectory();
        using (LocalCertificateAuthority.LoadOrCreate(dir.Path, ["proxy.internal", "10.0.0.5"]))
        {
        }

        // The attacker has the CA's files and signs whatever they like with the key.
        using X509Certificate2 caWithKey = X509Certificate2.CreateFromPemFile(dir.File(LocalCertificateAuthority.CertificateFileName), dir.File(LocalCertificateAuthority.KeyFileName));
        using X509Certificate2 caPublic = X509CertificateLoader.LoadCertificate(caWithKey.RawData);

        Assert.False(Validates(caPublic, SignLeaf(caWithKey, dns: "chatgpt.com")));
        Assert.False(Validates(caPublic, SignLeaf(caWithKey, ip: "104.18.32.47")));
        Assert.False(Validates(caPublic, SignLeaf(caWithKey, dns: "evil.proxy.internal.example")));
        Assert.True(Validates(caPublic, SignLeaf(caWithKey, dns: "proxy.internal")));
        Assert.True(Validates(caPublic, SignLeaf(caWithKey, ip: "10.0.0.5")));
        Assert.True(Validates(caPublic, SignLeaf(caWithKey, dns: "localhost", ip: "127.0.0.1")));
    }

    [Fact]
    public void Certificates_it_issues_validate_and_it_refuses_to_issue_outside_its_names()
    {
        using var dir = new TempDirectory();
        using LocalCertificateAuthority ca = LocalCertificateAuthority.LoadOrCreate(dir.Path);

        using X509Certificate2 issued = ca.IssueServerCertificate(["127.0.0.1", "localhost", "::1"]);

        Assert.True(Validates(ca.Certificate, issued));
        Assert.Equal(["localhost", "127.0.0.1", "::1"], ca.PermittedNames);
        Assert.Throws<InvalidOperationException>(() => ca.IssueServerCertificate(["example.com"]));
    }

    [Fact]
    public void Asking_for_a_new_name_re_creates_the_CA_keeping_the_old_names()
    {
        using var dir = new TempDirectory();
        string firstThumbprint;
        using (LocalCertificateAuthority first = LocalCertificateAuthority.LoadOrCreate(dir.Path, ["a.internal"]))
        {
            firstThumbprint = first.Certificate.Thumbprint;
        }

        using LocalCertificateAuthority same = LocalCertificateAuthority.LoadOrCreate(dir.Path, ["a.internal"]);
        Assert.Equal(firstThumbprint, same.Certificate.Thumbprint);

        using LocalCertificateAuthority wider = LocalCertificateAuthority.LoadOrCreate(dir.Path, ["b.internal"]);
        Assert.NotEqual(firstThumbprint, wider.Certificate.Thumbprint);
        Assert.Contains("a.internal", wider.PermittedNames);
        Assert.Contains("b.internal", wider.PermittedNames);
    }

    [Fact]
    public void An_unconstrained_CA_from_an_older_version_is_replaced_by_a_constrained_one()
    {
        using var dir = new TempDirectory();
        using (ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=Codex.Auth proxy local CA, O=Codex.Auth", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            using X509Certificate2 legacy = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddYears(1));
            File.WriteAllText(dir.File(LocalCertificateAuthority.CertificateFileName), legacy.ExportCertificatePem());
            File.WriteAllText(dir.File(LocalCertificateAuthority.KeyFileName), key.ExportPkcs8PrivateKeyPem());
        }

        using LocalCertificateAuthority ca = LocalCertificateAuthority.LoadOrCreate(dir.Path);

        Assert.NotNull(ca.Certificate.Extensions["2.5.29.30"]);
        Assert.True(ca.Certificate.Extensions["2.5.29.30"]!.Critical);
    }

    private static bool Validates(X509Certificate2 root, X509Certificate2 leaf)
    {
        using (leaf)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf);
        }
    }

    private static X509Certificate2 SignLeaf(X509Certificate2 caWithKey, string? dns = null, string? ip = null)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=attacker", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (dns is not null)
        {
            san.AddDnsName(dns);
        }

        if (ip is not null)
        {
            san.AddIpAddress(System.Net.IPAddress.Parse(ip));
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        return request.Create(caWithKey, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
    }
}
