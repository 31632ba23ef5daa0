using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests;

public sealed class TlsTests
{
    [Fact]
    public async Task A_client_that_trusts_only_the_exported_CA_completes_requests()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        using var caDir = new TempDirectory();
        using var agentDir = new TempDirectory();
        string caOut = agentDir.File("codex-ca.pem");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.Tls.Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority;
            o.Tls.CertificateAuthorityDirectory = caDir.Path;
            o.Tls.ExportCaCertificatePath = caOut;
        });

        Assert.Equal("https", proxy.Address.Scheme);
        Assert.Equal(Path.GetFullPath(caOut), proxy.CaCertificatePath);
        HttpClient client = fx.Client(proxy, TrustingOnly(caOut));
        using var response = await client.GetAsync("backend-api/wham/accounts/check");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        string exported = File.ReadAllText(caOut);
        Assert.Contains("BEGIN CERTIFICATE", exported, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", exported, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(agentDir.Path));
        string keyFile = Path.Combine(caDir.Path, LocalCertificateAuthority.KeyFileName);
        Assert.Contains("PRIVATE KEY", File.ReadAllText(keyFile), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public async Task A_client_with_only_the_system_trust_store_is_refused()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        using var caDir = new TempDirectory();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o =>
        {
            o.Tls.Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority;
            o.Tls.CertificateAuthorityDirectory = caDir.Path;
        });
        HttpClient client = fx.Client(proxy);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("backend-api/codex/models"));
        Assert.Empty(fx.Server.Requests);
    }

    [Fact]
    public void The_CA_is_created_once_and_reused()
    {
        using var caDir = new TempDirectory();
        using LocalCertificateAuthority first = LocalCertificateAuthority.LoadOrCreate(caDir.Path);
        using LocalCertificateAuthority second = LocalCertificateAuthority.LoadOrCreate(caDir.Path);

        Assert.Equal(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
        Assert.False(first.Certificate.HasPrivateKey);
        using X509Certificate2 server = second.IssueServerCertificate(["127.0.0.1", "localhost"]);
        Assert.True(server.HasPrivateKey);
        Assert.Equal(first.Certificate.Subject, server.Issuer);
    }

    [Fact]
    public async Task PEM_files_given_by_the_user_are_served()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        using var dir = new TempDirectory();
        using LocalCertificateAuthority ca = LocalCertificateAuthority.LoadOrCreate(dir.File("ca"));
        using X509Certificate2 issued = ca.IssueServerCertificate(["127.0.0.1"]);
        File.WriteAllText(dir.File("server.pem"), issued.ExportCertificatePem());
        File.WriteAllText(dir.File("server.key"), issued.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        ca.ExportCertificate(dir.File("ca.pem"));
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.Tls.Mode = CodexAuthProxyTlsMode.PemFiles;
            o.Tls.CertificatePemPath = dir.File("server.pem");
            o.Tls.KeyPemPath = dir.File("server.key");
        });

        HttpClient client = fx.Client(proxy, TrustingOnly(dir.File("ca.pem")));
        using var response = await client.GetAsync("backend-api/codex/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    internal static SocketsHttpHandler TrustingOnly(string caPemPath)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caPemPath);
        X509Certificate2 root = Assert.Single(roots);
        return new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
        };
    }
}
