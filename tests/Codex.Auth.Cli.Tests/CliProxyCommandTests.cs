using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.Testing;

namespace Codex.Auth.Cli.Tests;

/// <summary><c>codex-auth proxy</c> and <c>codex-auth placeholder-auth</c> as real processes, the fake server as every upstream.</summary>
public sealed class CliProxyCommandTests : HostAndSandboxTest
{
    private const string AccountId = "acct_proxy";
    private const string PlaceholderRefreshToken = "codex-auth-proxy-placeholder-refresh-token";

    [Fact]
    public async Task Forward_mode_injects_the_hosts_token_and_strips_the_agents()
    {
        FakeSignIn host = SignInOnHost();
        (_, Uri address) = await StartProxyAsync("--forward-host-credentials");
        using var client = new HttpClient { BaseAddress = address };

        using (HttpResponseMessage bare = await client.GetAsync("backend-api/codex/models"))
        {
            Assert.Equal(HttpStatusCode.OK, bare.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "agent-supplied-evil-token");
        request.Headers.Add("ChatGPT-Account-ID", "acct_evil");
        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        IReadOnlyList<RecordedRequest> seen = Server.RequestsTo("/backend-api/codex/models");
        Assert.Equal(2, seen.Count);
        Assert.All(seen, r =>
        {
            Assert.Equal("Bearer " + host.AccessToken, r.Header("Authorization"));
            Assert.Equal(AccountId, r.Header("ChatGPT-Account-ID"));
        });
    }

    [Fact]
    public async Task Forward_mode_logs_each_request_to_stderr_without_tokens()
    {
        FakeSignIn host = SignInOnHost();
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials", "--verbose");
        using var client = new HttpClient { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/wham/accounts/check");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "agent-supplied-evil-token");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await proxy.WaitForStderrAsync("GET /backend-api/wham/accounts/check ->");
        CliResult result = await proxy.TerminateAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(host.AccessToken, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain(host.RefreshToken, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("agent-supplied-evil-token", result.All, StringComparison.Ordinal);
        Assert.Single(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Transparent_mode_passes_the_agents_credentials_through()
    {
        FakeSignIn agent = Server.SignIn(accountId: AccountId); // the agent's own sign-in; the host has none
        (_, Uri address) = await StartProxyAsync();
        using var client = new HttpClient { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agent.AccessToken);
        request.Headers.Add("ChatGPT-Account-ID", AccountId);

        using HttpResponseMessage response = await client.SendAsync(request);
        using HttpResponseMessage bare = await client.GetAsync("backend-api/codex/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        RecordedRequest first = Server.RequestsTo("/backend-api/codex/models")[0];
        Assert.Equal("Bearer " + agent.AccessToken, first.Header("Authorization"));
        Assert.Equal(AccountId, first.Header("ChatGPT-Account-ID"));
    }

    [Fact]
    public async Task The_agents_refresh_is_answered_locally_with_placeholders_carrying_the_hosts_exp()
    {
        FakeSignIn host = SignInOnHost();
        (_, Uri address) = await StartProxyAsync("--forward-host-credentials");
        using var client = new HttpClient { BaseAddress = address };

        using HttpResponseMessage response = await client.PostAsync(
            "oauth/token",
            new StringContent($$"""{"client_id":"{{Server.ClientId}}","grant_type":"refresh_token","refresh_token":"{{PlaceholderRefreshToken}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, Server.TokenRefreshCount);
        Assert.Empty(Server.RequestsTo("/oauth/token"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(host.AccessToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.RefreshToken, text, StringComparison.Ordinal);
        JsonObject body = (JsonObject)JsonNode.Parse(text)!;
        Assert.Equal(PlaceholderRefreshToken, (string?)body["refresh_token"]);
        JsonObject access = Payload((string)body["access_token"]!);
        Assert.Equal(host.AccessTokenExpiresAt.ToUnixTimeSeconds(), (long)access["exp"]!);
        Assert.True((bool)access["codex_auth_placeholder"]!);
        Assert.Equal(AccountId, (string?)Payload((string)body["id_token"]!)["https://api.openai.com/auth"]!["chatgpt_account_id"]);
    }

    [Fact]
    public async Task Tls_with_an_exported_CA_is_trusted_by_a_client_that_trusts_only_that_CA()
    {
        _ = SignInOnHost();
        string caOut = Sandbox.File("proxy-ca.pem");
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials", "--tls", "--ca-dir", Home.File("ca"), "--ca-out", caOut);

        Assert.Equal("https", address.Scheme);
        await proxy.WaitForStderrAsync("CODEX_CA_CERTIFICATE=" + caOut);
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caOut);
        X509Certificate2 root = Assert.Single(roots);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                    CustomTrustStore = { root },
                },
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = address };

        using HttpResponseMessage response = await client.GetAsync("backend-api/wham/accounts/check");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("PRIVATE KEY", File.ReadAllText(caOut), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_stops_the_proxy_cleanly_with_exit_code_0()
    {
        (CliProcess proxy, Uri address) = await StartProxyAsync();

        CliResult result = await proxy.TerminateAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"listening on {address}", result.Stdout.Trim());
        Assert.Contains("proxy stopping", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_key_from_a_file_is_required_of_every_client()
    {
        string keyFile = Home.File("agent.key");
        const string key = "0123456789abcdef0123456789abcdef";
        File.WriteAllText(keyFile, key + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _ = SignInOnHost();
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials", "--agent-key-file", keyFile);
        using var client = new HttpClient { BaseAddress = address };

        using HttpResponseMessage without = await client.GetAsync("backend-api/codex/models");
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Add("X-Codex-Auth-Proxy-Key", key);
        using HttpResponseMessage with = await client.SendAsync(request);

        Assert.False(without.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Null(Assert.Single(Server.RequestsTo("/backend-api/codex/models")).Header("X-Codex-Auth-Proxy-Key"));
        CliResult result = await proxy.TerminateAsync();
        Assert.DoesNotContain(key, result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_key_as_an_argument_is_refused_and_not_echoed()
    {
        CliResult result = await RunAsync("proxy", "--listen", "127.0.0.1:0", "--agent-key", "never-echo-this-agent-key-123");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("--agent-key-file", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("never-echo-this-agent-key-123", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Listening_on_all_interfaces_without_allow_remote_is_refused()
    {
        CliResult result = await RunAsync("proxy", "--listen", "0.0.0.0:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("--allow-remote", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allow_remote_without_an_agent_key_is_refused()
    {
        CliResult result = await RunAsync("proxy", "--listen", "0.0.0.0:0", "--allow-remote");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("agent key", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--no-such-flag")]
    [InlineData("--listen", "127.0.0.1")]
    [InlineData("--listen", "127.0.0.1:99999")]
    [InlineData("--listen", "127.0.0.1:0", "--cert", "a.pem")]
    [InlineData("--listen", "127.0.0.1:0", "--chatgpt-upstream", "ftp://example.com")]
    public async Task Bad_flags_are_usage_errors(params string[] args)
    {
        CliResult result = await RunAsync(["proxy", .. args]);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith("codex-auth: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_mode_without_host_credentials_fails_with_the_sign_in_command()
    {
        CliResult result = await RunAsync("proxy", "--listen", "127.0.0.1:0", "--forward-host-credentials", "--auth-upstream", Server.BaseAddress.AbsoluteUri);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("codex login", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forward_mode_with_an_api_key_on_the_host_fails_with_the_sign_in_command()
    {
        File.WriteAllText(Home.File("auth.json"), """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-never-print-me"}""");

        CliResult result = await RunAsync("proxy", "--listen", "127.0.0.1:0", "--forward-host-credentials");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("codex login", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-never-print-me", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Placeholder_auth_writes_the_hosts_account_and_exp_and_no_host_token()
    {
        FakeSignIn host = SignInOnHost();
        string output = Path.Combine(Sandbox.Path, "codex-home", "auth.json");

        CliResult result = await RunAsync("placeholder-auth", "--out", output);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains(output, result.Stdout, StringComparison.Ordinal);
        Assert.Contains(AccountId, result.Stdout, StringComparison.Ordinal);
        string written = File.ReadAllText(output);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        }

        foreach (string secret in new[] { host.AccessToken, host.RefreshToken, host.IdToken })
        {
            Assert.DoesNotContain(secret, written, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, result.All, StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(@"eyJ[A-Za-z0-9_-]{10,}", result.All);
        JsonObject doc = (JsonObject)JsonNode.Parse(written)!;
        Assert.Equal("chatgpt", (string?)doc["auth_mode"]);
        Assert.Equal(AccountId, (string?)doc["tokens"]!["account_id"]);
        Assert.Equal(PlaceholderRefreshToken, (string?)doc["tokens"]!["refresh_token"]);
        JsonObject access = Payload((string)doc["tokens"]!["access_token"]!);
        Assert.Equal(host.AccessTokenExpiresAt.ToUnixTimeSeconds(), (long)access["exp"]!);
        Assert.Equal(AccountId, (string?)Payload((string)doc["tokens"]!["id_token"]!)["https://api.openai.com/auth"]!["chatgpt_account_id"]);
        Assert.Equal(0, Server.TokenRefreshCount);
        Assert.Equal(host.AccessToken, (string?)JsonNode.Parse(File.ReadAllText(Home.File("auth.json")))!["tokens"]!["access_token"]);
    }

    [Fact]
    public async Task Placeholder_auth_refuses_an_api_key_host()
    {
        File.WriteAllText(Home.File("auth.json"), """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-never-print-me"}""");
        string output = Sandbox.File("auth.json");

        CliResult result = await RunAsync("placeholder-auth", "--out", output);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("API key", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("codex login --device-auth", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-never-print-me", result.All, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Placeholder_auth_without_a_host_sign_in_says_what_to_run()
    {
        CliResult result = await RunAsync("placeholder-auth", "--out", Sandbox.File("auth.json"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("codex login --device-auth", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Placeholder_auth_refuses_to_overwrite_without_force()
    {
        _ = SignInOnHost();
        string output = Sandbox.File("auth.json");
        File.WriteAllText(output, "keep me");

        CliResult refused = await RunAsync("placeholder-auth", "--out", output);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("--force", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(output));

        CliResult forced = await RunAsync("placeholder-auth", "--out", output, "--force");

        Assert.True(forced.ExitCode == 0, forced.All);
        Assert.Equal(AccountId, (string?)JsonNode.Parse(File.ReadAllText(output))!["tokens"]!["account_id"]);
    }

    [Fact]
    public async Task Placeholder_auth_refuses_the_hosts_own_auth_json_even_with_force()
    {
        FakeSignIn host = SignInOnHost();
        string link = Sandbox.File("home-link");
        Directory.CreateSymbolicLink(link, Home.Path);

        CliResult direct = await RunAsync("placeholder-auth", "--out", Home.File("auth.json"), "--force");
        CliResult viaLink = await RunAsync("placeholder-auth", "--out", Path.Combine(link, "auth.json"), "--force");

        Assert.Equal(2, direct.ExitCode);
        Assert.Equal(2, viaLink.ExitCode);
        Assert.Contains("host's own", direct.Stderr, StringComparison.Ordinal);
        Assert.Equal(host.AccessToken, (string?)JsonNode.Parse(File.ReadAllText(Home.File("auth.json")))!["tokens"]!["access_token"]);
    }

    private static JsonObject Payload(string jwt)
    {
        string[] parts = jwt.Split('.');
        Assert.Equal(3, parts.Length);
        string b64 = parts[1].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
        return (JsonObject)JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(b64)))!;
    }


    private FakeSignIn SignInOnHost()
    {
        FakeSignIn signIn = Server.SignIn(accountId: AccountId, plan: "pro", userId: "user-proxy");
        File.WriteAllText(Home.File("auth.json"), signIn.ToAuthJson(DateTimeOffset.UtcNow));
        return signIn;
    }

    private Dictionary<string, string> Environment() => new() { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = Server.TokenEndpoint.AbsoluteUri };

    private Task<CliResult> RunAsync(params string[] args) => CliProcess.RunAsync(Home.Path, args, null, Environment());

    private async Task<(CliProcess Process, Uri Address)> StartProxyAsync(params string[] extra)
    {
        Uri fake = Server.BaseAddress;
        string[] args =
        [
            "proxy", "--listen", "127.0.0.1:0",
            "--chatgpt-upstream", new Uri(fake, "backend-api").AbsoluteUri,
            "--openai-upstream", new Uri(fake, "v1").AbsoluteUri,
            "--auth-upstream", fake.AbsoluteUri,
            .. extra,
        ];
        CliProcess process = CliProcess.Start(Home.Path, args, null, Environment());
        Processes.Add(process);
        string line = await process.WaitForStdoutLineAsync("listening on ");
        var address = new Uri(line["listening on ".Length..], UriKind.Absolute);
        Assert.Equal("127.0.0.1", address.Host);
        Assert.NotEqual(0, address.Port);
        return (process, address);
    }
}
