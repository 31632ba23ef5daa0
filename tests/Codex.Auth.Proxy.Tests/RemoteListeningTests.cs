using System.Net;
using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests;

public sealed class RemoteListeningTests
{
    private const string Key = "agent-key-0123456789abcdef";

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, Key)]
    public async Task A_non_loopback_address_needs_allow_remote_and_an_agent_key(bool allowRemote, string? key)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => fx.StartProxyAsync(forward: true, o =>
        {
            o.ListenAddress = "0.0.0.0";
            o.AllowRemote = allowRemote;
            o.AgentKey = key;
        }));

        Assert.Contains("0.0.0.0", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(CodexAuthProxyOptions.AllowRemote), ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(CodexAuthProxyOptions.AgentKey), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_loopback_address_without_tls_is_refused_even_with_allow_remote_and_a_key()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => fx.StartProxyAsync(forward: true, o =>
        {
            o.ListenAddress = "0.0.0.0";
            o.AllowRemote = true;
            o.AgentKey = Key;
        }));

        Assert.Contains("without TLS", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_short_agent_key_is_refused()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();

        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => fx.StartProxyAsync(forward: false, o => o.AgentKey = "short"));
        Assert.Contains("CodexAuthProxyOptions.AgentKey", ex.Message, StringComparison.Ordinal);

        Assert.DoesNotContain("short", ex.Message.Replace("shorter", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_allow_remote_and_a_key_requests_must_present_it_and_it_is_never_forwarded()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        using var caDir = new TempDirectory();
        string caOut = caDir.File("ca.pem");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.ListenAddress = "0.0.0.0";
            o.AllowRemote = true;
            o.AgentKey = Key;
            o.Tls.Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority;
            o.Tls.CertificateAuthorityDirectory = caDir.File("ca");
            o.Tls.ExportCaCertificatePath = caOut;
        });
        using var client = new HttpClient(TlsTests.TrustingOnly(caOut)) { BaseAddress = new Uri($"https://127.0.0.1:{proxy.Address.Port}/") };

        using var without = await client.GetAsync("backend-api/codex/models");
        using var wrong = await Send(client, "agent-key-0123456789abcdeX");
        using var prefix = await Send(client, Key[..^1]);
        using var local = await client.PostAsync("oauth/token", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, prefix.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, local.StatusCode);
        Assert.Empty(fx.Server.Requests);

        using var with = await Send(client, Key);

        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        var seen = Assert.Single(fx.Server.Requests, r => r.Path != "/backend-api/wham/accounts/check"); // forward mode also asks workspace routing
        Assert.All(fx.Server.Requests, r => Assert.Null(r.Header(CodexAuthProxyOptions.AgentKeyHeaderName)));
        Assert.DoesNotContain(seen.Headers.Values, v => v.Contains(Key, StringComparison.Ordinal));
        Assert.DoesNotContain(Key, fx.Logs.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_key_on_loopback_is_enforced_too()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o => o.AgentKey = Key);
        HttpClient client = fx.Client(proxy);

        using var without = await client.GetAsync("backend-api/codex/models");
        using var with = await Send(client, Key);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Null(Assert.Single(fx.Server.Requests).Header(CodexAuthProxyOptions.AgentKeyHeaderName));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Add(CodexAuthProxyOptions.AgentKeyHeaderName, key);
        return client.SendAsync(request);
    }
}
