using System.Net;
using System.Text.Json.Nodes;
using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests.Hardening;

/// <summary>What an agent behind the proxy must not be able to do, and what the proxy must not write down.</summary>
public sealed class ProxyHardeningTests
{
    private const string AgentKey = "agent-key-0123456789abcdef-SECRET";

    /// <summary>Secret values an agent might send; none of them, nor any part of them, may reach the log.</summary>
    private static readonly string[] s_secrets =
    [
        "cookie-session-SECRET", "cookie-other-SECRET", "sk-apikey-part1-SECRET", "apikey-part2-SECRET", "agent-bearer-SECRET",
        "weird-scheme-SECRET", "WeirdScheme", "dXNlcjpwYXNzLVNFQ1JFVA", "xauth-token-SECRET", "referer-code-SECRET",
        "query-code-SECRET", "query-state-SECRET", "authorize-code-SECRET", AgentKey,
    ];

    [Fact]
    public async Task Verbose_logs_redact_whole_secret_values_and_never_log_a_query_string()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.LogHeaders = true;
            o.AgentKey = AgentKey;
        });

        (int ok, _) = await RawHttp.SendAsync(proxy.Address, "GET", "/backend-api/codex/models",
        [
            "X-Codex-Auth-Proxy-Key: " + AgentKey,
            "Cookie: session=cookie-session-SECRET; other=cookie-other-SECRET",
            "x-api-key: sk-apikey-part1-SECRET apikey-part2-SECRET",
            "Authorization: Bearer agent-bearer-SECRET",
            "authorization: WeirdScheme weird-scheme-SECRET",
            "Proxy-Authorization: Basic dXNlcjpwYXNzLVNFQ1JFVA==",
            "X-Auth-Token: xauth-token-SECRET",
            "Referer: https://example.com/callback?code=referer-code-SECRET",
        ]);
        (int twice, _) = await RawHttp.SendAsync(proxy.Address, "GET", "/backend-api/codex/models", ["X-Codex-Auth-Proxy-Key: " + AgentKey, "x-codex-auth-proxy-key: " + AgentKey]);
        (int commaJoined, _) = await RawHttp.SendAsync(proxy.Address, "GET", "/backend-api/codex/models", [$"X-Codex-Auth-Proxy-Key: {AgentKey}, {AgentKey}"]);
        _ = await RawHttp.SendAsync(proxy.Address, "GET", "/api/accounts/deviceauth/usercode?code=query-code-SECRET&state=query-state-SECRET", ["X-Codex-Auth-Proxy-Key: " + AgentKey]);
        _ = await RawHttp.SendAsync(proxy.Address, "GET", "/oauth/authorize?code=authorize-code-SECRET", ["X-Codex-Auth-Proxy-Key: " + AgentKey]);

        Assert.Equal(200, ok);
        Assert.Equal(401, twice);
        Assert.Equal(401, commaJoined);
        string logs = fx.Logs.All;
        foreach (string secret in s_secrets)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }

        // What is kept: the known scheme, a fingerprint per secret header, the paths.
        Assert.Contains("Authorization: Bearer [", logs, StringComparison.Ordinal);
        Assert.Contains("Cookie: [", logs, StringComparison.Ordinal);
        Assert.Contains("x-api-key: [", logs, StringComparison.Ordinal);
        Assert.Contains("GET /api/accounts/deviceauth/usercode ->", logs, StringComparison.Ordinal);
        Assert.Contains("Referer: https://example.com/callback?[query redacted]", logs, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[]> CookieAttempts => new()
    {
        { "plain", ["Cookie: session=evil-cookie"] },
        { "lower case", ["cookie: session=evil-cookie"] },
        { "duplicates", ["Cookie: a=evil-1", "COOKIE: b=evil-2", "cookie: c=evil-3"] },
        { "empty then value", ["Cookie:", "Cookie: session=evil-cookie"] },
        { "cookie2", ["Cookie2: $Version=\"1\"; evil=evil-cookie"] },
    };

    [Theory]
    [MemberData(nameof(CookieAttempts))]
    public async Task Forward_mode_strips_the_agents_cookies_and_the_upstreams_set_cookie(string attempt, string[] headerLines)
    {
        _ = attempt;
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        await using RecordingUpstream upstream = await RecordingUpstream.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o => o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api"));

        (int status, string response) = await RawHttp.SendAsync(proxy.Address, "GET", "/backend-api/codex/models", headerLines);

        Assert.Equal(200, status);
        (_, Dictionary<string, string> headers) = Assert.Single(upstream.Seen);
        Assert.False(headers.ContainsKey("Cookie"), headers.GetValueOrDefault("Cookie"));
        Assert.False(headers.ContainsKey("Cookie2"));
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, headers["Authorization"]);
        Assert.DoesNotContain("Set-Cookie", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("host-session-cookie-value", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_mode_strips_cookies_over_http2_too()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        await using RecordingUpstream upstream = await RecordingUpstream.StartAsync();
        using var caDir = new TempDirectory();
        string caOut = caDir.File("agent-ca.pem");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api");
            o.Tls.Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority;
            o.Tls.CertificateAuthorityDirectory = caDir.File("ca");
            o.Tls.ExportCaCertificatePath = caOut;
        });
        HttpClient client = fx.Client(proxy, TlsTests.TrustingOnly(caOut));
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Add("Cookie", ["a=evil-cookie-1", "b=evil-cookie-2"]);

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(Assert.Single(upstream.Seen).Headers.ContainsKey("Cookie"));
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Transparent_mode_passes_cookies_both_ways_because_they_are_the_agents_own()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        await using RecordingUpstream upstream = await RecordingUpstream.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o => o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api"));

        (int status, string response) = await RawHttp.SendAsync(proxy.Address, "GET", "/backend-api/codex/models", ["Cookie: session=agents-own-cookie"]);

        Assert.Equal(200, status);
        Assert.Equal("session=agents-own-cookie", Assert.Single(upstream.Seen).Headers["Cookie"]);
        Assert.Contains("host-session-cookie-value", response, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/backend-api/codex/files/a%2Fb", "/backend-api/codex/files/a%2Fb")]
    [InlineData("/backend-api/codex/files/a%2fb?x=1%2F2", "/backend-api/codex/files/a%2fb?x=1%2F2")]
    [InlineData("/backend-api/codex/a%2Fb/c%20d", "/backend-api/codex/a%2Fb/c%20d")]
    public async Task An_encoded_slash_reaches_the_upstream_as_sent(string sent, string expected)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        await using RecordingUpstream upstream = await RecordingUpstream.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o => o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api"));

        (int status, _) = await RawHttp.SendAsync(proxy.Address, "GET", sent, []);

        Assert.Equal(200, status);
        Assert.Equal(expected, Assert.Single(upstream.Seen).RawTarget);
    }

    [Fact]
    public async Task An_encoded_slash_next_to_a_dot_segment_is_not_passed_raw()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        await using RecordingUpstream upstream = await RecordingUpstream.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o => o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api"));

        _ = await RawHttp.SendAsync(proxy.Address, "GET", "/backend-api/codex/..%2F..%2Fadmin", []);

        string raw = Assert.Single(upstream.Seen).RawTarget;
        Assert.StartsWith("/backend-api/codex/", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("..%2F", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/oauth/token")]
    [InlineData("/oauth//token")]
    [InlineData("/api/oauth/token")]
    [InlineData("/oauth2/token")]
    [InlineData("/auth/token")]
    [InlineData("/api/auth/token")]
    [InlineData("/v1/oauth/token/")]
    [InlineData("/v1/oauth2//token")]
    [InlineData("/OAuth/Token")]
    public async Task The_agents_refresh_is_answered_locally_on_every_path_the_auth_routes_accept(string path)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);

        HttpClient client = fx.Client(proxy);
        using var content = new StringContent($$"""{"grant_type":"refresh_token","refresh_token":"{{PlaceholderCredentials.RefreshTokenValue}}"}""", System.Text.Encoding.UTF8, "application/json");

        using HttpResponseMessage response = await client.PostAsync(new Uri(proxy.Address.GetLeftPart(UriPartial.Authority) + path), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject body = (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(true, (bool?)Jwt.Payload((string)body["access_token"]!)[PlaceholderCredentials.PlaceholderClaim]);
        Assert.Empty(fx.Server.Requests);
    }

    [Theory]
    [InlineData("/oauth//revoke")]
    [InlineData("/api/oauth/revoke")]
    [InlineData("/oauth2/revoke")]
    [InlineData("/v1/oauth/revoke/")]
    public async Task The_agents_revoke_is_answered_locally_on_every_path_the_auth_routes_accept(string path)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);

        (int status, _) = await RawHttp.SendAsync(proxy.Address, "POST", path, [], """{"token":"x"}""");

        Assert.Equal(200, status);
        Assert.Empty(fx.Server.Requests);
    }

    [Fact]
    public async Task An_ipv4_mapped_loopback_listen_address_listens_on_127_0_0_1()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();

        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o => o.ListenAddress = "::ffff:127.0.0.1");

        Assert.Equal("127.0.0.1", proxy.Address.Host);
    }

    [Fact]
    public async Task A_port_already_in_use_is_a_typed_start_failure()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost first = await fx.StartProxyAsync(forward: false);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => fx.StartProxyAsync(forward: false, o => o.Port = first.Address.Port));

        Assert.Contains(first.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }
}
