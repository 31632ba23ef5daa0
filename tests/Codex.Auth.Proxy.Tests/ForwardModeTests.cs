using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Codex.Auth.Testing;

namespace Codex.Auth.Proxy.Tests;

public sealed class ForwardModeTests
{
    // The library's one list (CodexAuthHeaderNames.CredentialHeaders), in a fixed order.
    private static readonly string[] s_credentialHeaders = [.. CodexAuthHeaderNames.CredentialHeaders.Order(StringComparer.Ordinal)];

    /// <summary>Raw header lines an agent might use to smuggle its own credential past the proxy.</summary>
    public static TheoryData<string, string[]> SmugglingAttempts => new()
    {
        { "plain", ["Authorization: Bearer evil-token"] },
        { "lower case", ["authorization: Bearer evil-token", "chatgpt-account-id: evil-acct"] },
        { "upper case", ["AUTHORIZATION: Bearer evil-token", "CHATGPT-ACCOUNT-ID: evil-acct", "X-OPENAI-FEDRAMP: true"] },
        { "mixed case", ["aUtHoRiZaTiOn: Bearer evil-token", "ChatGpt-Account-Id: evil-acct"] },
        { "duplicates", ["Authorization: Bearer evil-1", "authorization: Bearer evil-2", "AUTHORIZATION: Bearer evil-3", "ChatGPT-Account-ID: evil-a", "chatgpt-account-id: evil-b"] },
        { "comma-joined", ["Authorization: Bearer evil-1, Bearer evil-2", "ChatGPT-Account-ID: evil-a, acct_main"] },
        { "empty values", ["Authorization:", "ChatGPT-Account-ID:", "x-api-key:", "api-key:"] },
        { "empty then value", ["Authorization:", "Authorization: Bearer evil-token"] },
        { "other schemes", ["Authorization: Basic ZXZpbDpldmls", "Proxy-Authorization: Basic ZXZpbDpldmls", "Authorization: AgentAssertion evil"] },
        { "fedramp", ["X-OpenAI-Fedramp: true", "x-openai-fedramp: TRUE"] },
        { "org and project", ["OpenAI-Organization: org-evil", "openai-organization: org-evil2", "OpenAI-Project: proj-evil", "OPENAI-PROJECT: proj-evil2"] },
        { "api keys", ["api-key: sk-evil", "Api-Key: sk-evil2", "x-api-key: sk-evil3", "X-API-KEY: sk-evil4"] },
        { "every header at once", ["Authorization: Bearer evil", "Proxy-Authorization: Bearer evil", "ChatGPT-Account-ID: evil", "X-OpenAI-Fedramp: true", "OpenAI-Organization: evil", "OpenAI-Project: evil", "api-key: evil", "x-api-key: evil"] },
        { "whitespace padded", ["Authorization:    Bearer evil-token   ", "ChatGPT-Account-ID: \tevil-acct"] },
    };

    [Fact]
    public async Task The_hosts_credentials_are_applied()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);

        using var response = await client.GetAsync("backend-api/codex/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest seen = Assert.Single(fx.Server.RequestsTo("/backend-api/codex/models"));
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, seen.Header("Authorization"));
        Assert.Equal(ProxyFixture.AccountId, seen.Header("ChatGPT-Account-ID"));
        Assert.Null(seen.Header("X-OpenAI-Fedramp"));
    }

    [Theory]
    [MemberData(nameof(SmugglingAttempts))]
    public async Task No_agent_credential_header_reaches_the_upstream(string attempt, string[] headerLines)
    {
        _ = attempt;
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);

        (int status, _) = await RawRequestAsync(proxy.Address, "GET", "/backend-api/wham/accounts/check", headerLines);

        Assert.Equal(200, status);
        RecordedRequest seen = Assert.Single(fx.Server.Requests);
        AssertOnlyHostCredentials(fx, seen);
    }

    [Theory]
    [MemberData(nameof(SmugglingAttempts))]
    public async Task No_agent_credential_header_reaches_the_auth_upstream(string attempt, string[] headerLines)
    {
        _ = attempt;
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);

        await RawRequestAsync(proxy.Address, "POST", "/api/accounts/deviceauth/usercode", headerLines, $$"""{"client_id":"{{fx.Server.ClientId}}"}""");

        RecordedRequest seen = Assert.Single(fx.Server.Requests);
        Assert.Equal("/api/accounts/deviceauth/usercode", seen.Path);
        foreach (string name in s_credentialHeaders)
        {
            Assert.Null(seen.Header(name));
        }
    }

    [Fact]
    public async Task HttpClient_header_collections_cannot_smuggle_either()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Post, "backend-api/codex/responses")
        {
            Content = new StringContent("""{"model":"gpt-5-codex","stream":false}""", Encoding.UTF8, "application/json"),
        };
        foreach (string name in s_credentialHeaders)
        {
            request.Headers.TryAddWithoutValidation(name, ["evil-1", "evil-2"]);
        }

        request.Content.Headers.TryAddWithoutValidation("x-api-key", "evil-content");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertOnlyHostCredentials(fx, Assert.Single(fx.Server.RequestsTo("/backend-api/codex/responses")));
        Assert.All(fx.Server.Requests, r => AssertOnlyHostCredentials(fx, r)); // the proxy's own routing discovery too
    }

    [Fact]
    public async Task A_chatgpt_credential_is_never_sent_to_the_openai_route()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);

        using var response = await client.GetAsync("v1/models");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonObject body = (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("codex_auth_proxy_wrong_credential_kind", body["error"]!["code"]!.GetValue<string>());
        Assert.Empty(fx.Server.Requests);
    }

    [Fact]
    public async Task An_api_key_host_credential_goes_only_to_the_openai_route()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);
        File.WriteAllText(fx.AuthPath, """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-host-key-1234"}""");
        fx.Server.AddApiKey("sk-host-key-1234");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o => o.AllowApiKeyHostCredential = true);
        HttpClient client = fx.Client(proxy);
        using var apiRequest = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        apiRequest.Headers.TryAddWithoutValidation("Authorization", "Bearer sk-agent-evil");

        using var api = await client.SendAsync(apiRequest);
        using var chatgpt = await client.GetAsync("backend-api/codex/models");

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal("Bearer sk-host-key-1234", Assert.Single(fx.Server.Requests).Header("Authorization"));
        Assert.Equal(HttpStatusCode.BadRequest, chatgpt.StatusCode);
        Assert.Single(fx.Server.Requests);
    }

    [Fact]
    public async Task A_personal_access_token_host_credential_goes_to_the_chatgpt_backend()
    {
        // PROTOCOL 2/6: a PAT is a ChatGPT-backend credential (HostCredentials.Fits used to forget it: HTTP 400).
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);
        string pat = fx.Server.CreatePersonalAccessToken(accountId: ProxyFixture.AccountId);
        File.WriteAllText(fx.AuthPath, $$"""{"auth_mode":"personalAccessToken","personal_access_token":"{{pat}}"}""");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer at-agent-evil");

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest seen = Assert.Single(fx.Server.Requests, r => r.Path.Contains("/codex/models", StringComparison.Ordinal));
        Assert.Equal("Bearer " + pat, seen.Header("Authorization"));
        Assert.Equal(ProxyFixture.AccountId, seen.Header("ChatGPT-Account-ID"));
    }

    [Fact]
    public async Task After_the_host_token_expires_the_upstream_sees_a_refreshed_token_without_restart()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);
        (await client.GetAsync("backend-api/codex/models")).Dispose();

        fx.Time.Advance(TimeSpan.FromHours(2));
        using var response = await client.GetAsync("backend-api/codex/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, fx.Server.TokenRefreshCount);
        string current = fx.Server.CurrentTokens(ProxyFixture.AccountId).AccessToken;
        Assert.NotEqual(fx.SignIn.AccessToken, current);
        Assert.Equal(
            ["Bearer " + fx.SignIn.AccessToken, "Bearer " + current],
            fx.Server.RequestsTo("/backend-api/codex/models").Select(r => r.Header("Authorization")));
        Assert.Equal(current, ReadAuthJsonAccessToken(fx));
    }

    [Fact]
    public async Task A_host_auth_json_rewritten_by_another_process_is_picked_up()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);
        (await client.GetAsync("backend-api/codex/models")).Dispose();

        FakeSignIn other = fx.Server.SimulateRefreshByOtherClient(ProxyFixture.AccountId);
        File.WriteAllText(fx.AuthPath, other.ToAuthJson(fx.Time.GetUtcNow()));

        // Either the store watcher has already fired, or the upstream's 401 for the superseded token makes the proxy
        // reload the store; the agent's retry then carries the new token. No restart, no refresh POST.
        HttpStatusCode status = HttpStatusCode.Unauthorized;
        for (int attempt = 0; attempt < 2 && status != HttpStatusCode.OK; attempt++)
        {
            using var response = await client.GetAsync("backend-api/codex/models");
            status = response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer " + other.AccessToken, fx.Server.RequestsTo("/backend-api/codex/models")[^1].Header("Authorization"));
        Assert.Equal(0, fx.Server.TokenRefreshCount);
    }

    [Theory]
    [InlineData("oauth/token")]
    [InlineData("OAuth/Token")]
    [InlineData("v1/oauth/token")]
    [InlineData("oauth/token/")]
    public async Task Agent_refresh_is_answered_locally_with_placeholders(string path)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);

        using var response = await client.PostAsync(
            path,
            new StringContent($$"""{"client_id":"{{fx.Server.ClientId}}","grant_type":"refresh_token","refresh_token":"{{PlaceholderCredentials.RefreshTokenValue}}"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(fx.SignIn.AccessToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.RefreshToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.IdToken, text, StringComparison.Ordinal);
        JsonObject body = (JsonObject)JsonNode.Parse(text)!;
        Assert.Equal(PlaceholderCredentials.RefreshTokenValue, body["refresh_token"]!.GetValue<string>());
        JsonObject access = Jwt.Payload(body["access_token"]!.GetValue<string>());
        JsonObject id = Jwt.Payload(body["id_token"]!.GetValue<string>());
        long exp = fx.SignIn.AccessTokenExpiresAt.ToUnixTimeSeconds();
        Assert.Equal(exp, access["exp"]!.GetValue<long>());
        Assert.Equal(exp, id["exp"]!.GetValue<long>());
        Assert.Equal(ProxyFixture.AccountId, access["https://api.openai.com/auth"]!["chatgpt_account_id"]!.GetValue<string>());
        JsonNode auth = id["https://api.openai.com/auth"]!;
        Assert.Equal(ProxyFixture.AccountId, auth["chatgpt_account_id"]!.GetValue<string>());
        Assert.Equal("pro", auth["chatgpt_plan_type"]!.GetValue<string>());
        Assert.Equal("user-main", auth["chatgpt_user_id"]!.GetValue<string>());
        Assert.False(auth["chatgpt_account_is_fedramp"]!.GetValue<bool>());
        Assert.Null(id["email"]);

        Assert.Empty(fx.Server.Requests);
        Assert.Equal(0, fx.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task Agent_refresh_after_the_host_refreshed_carries_the_new_expiry()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);

        fx.Time.Advance(TimeSpan.FromMinutes(58));
        using var response = await client.PostAsync("oauth/token", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject body = (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        long exp = Jwt.Payload(body["access_token"]!.GetValue<string>())["exp"]!.GetValue<long>();
        Assert.Equal(1, fx.Server.TokenRefreshCount);
        Assert.Equal(fx.Server.CurrentTokens(ProxyFixture.AccountId).AccessTokenExpiresAt.ToUnixTimeSeconds(), exp);
        Assert.DoesNotContain(fx.Server.RequestsTo("/oauth/token"), r => r.Body.Contains(PlaceholderCredentials.RefreshTokenValue, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("oauth/revoke")]
    [InlineData("v1/OAuth/Revoke")]
    public async Task Agent_revoke_is_answered_locally(string path)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);

        using var response = await client.PostAsync(
            path,
            new StringContent($$"""{"token":"{{PlaceholderCredentials.RefreshTokenValue}}","token_type_hint":"refresh_token"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(fx.Server.Requests);
        Assert.False(fx.Server.IsRevoked(fx.SignIn.RefreshToken));

        // The host's sign-in still works.
        using var after = await client.GetAsync("backend-api/codex/models");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Logs_never_contain_the_hosts_or_the_agents_tokens()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o => o.LogHeaders = true);
        HttpClient client = fx.Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "agent-secret-xyz");

        (await client.SendAsync(request)).Dispose();
        fx.Time.Advance(TimeSpan.FromHours(2));
        (await client.GetAsync("backend-api/codex/models")).Dispose();
        (await client.PostAsync("oauth/token", new StringContent("{}"))).Dispose();

        string logs = fx.Logs.All;
        Assert.DoesNotContain("agent-secret-xyz", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.AccessToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.RefreshToken, logs, StringComparison.Ordinal);
        FakeSignIn current = fx.Server.CurrentTokens(ProxyFixture.AccountId);
        Assert.DoesNotContain(current.AccessToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(current.RefreshToken, logs, StringComparison.Ordinal);
        Assert.Contains("POST /oauth/token -> local 200", logs, StringComparison.Ordinal);
        Assert.Contains("GET /backend-api/codex/models -> codex-chatgpt 200", logs, StringComparison.Ordinal);
    }

    private static void AssertOnlyHostCredentials(ProxyFixture fx, RecordedRequest seen)
    {
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, seen.Header("Authorization"));
        Assert.Equal(ProxyFixture.AccountId, seen.Header("ChatGPT-Account-ID"));
        foreach (string name in s_credentialHeaders.Where(n => n is not CodexAuthHeaderNames.Authorization and not CodexAuthHeaderNames.AccountId))
        {
            Assert.Null(seen.Header(name));
        }

        foreach ((string name, string value) in seen.Headers)
        {
            Assert.DoesNotContain("evil", value, StringComparison.Ordinal); // every smuggled value is lower case; random base64 in the host token may contain "EviL"
            _ = name;
        }
    }

    private static string ReadAuthJsonAccessToken(ProxyFixture fx) =>
        JsonNode.Parse(File.ReadAllText(fx.AuthPath))!["tokens"]!["access_token"]!.GetValue<string>();

    /// <summary>Sends a hand-written HTTP/1.1 request, so that header casing, duplicates and empty values reach the proxy as written.</summary>
    private static Task<(int Status, string Response)> RawRequestAsync(Uri proxy, string method, string path, string[] headerLines, string? body = null) =>
        Hardening.RawHttp.SendAsync(proxy, method, path, headerLines, body);
}
