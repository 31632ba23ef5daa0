using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class SignInFlowTests
{
    private const string Redirect = "http://localhost:1455/auth/callback";

    private static (string Verifier, string Challenge) Pkce()
    {
        string verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(64));
        return (verifier, Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    private static Uri AuthorizeUrl(FakeCodexServer server, string challenge, string state, string method = "S256") =>
        new(QueryHelpers.AddQueryString(server.AuthorizeEndpoint.ToString(), new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = server.ClientId,
            ["redirect_uri"] = Redirect,
            ["scope"] = "openid profile email offline_access",
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = method,
            ["state"] = state,
            ["originator"] = "codex_cli_rs",
        }));

    private static Task<HttpResponseMessage> ExchangeAsync(HttpClient http, FakeCodexServer server, string code, string verifier, string redirect = Redirect) =>
        http.PostAsync(server.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirect,
            ["client_id"] = server.ClientId,
            ["code_verifier"] = verifier,
        }));

    [Fact]
    public async Task Browser_flow_redirects_with_code_and_state_and_exchanges_with_pkce()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.NextAuthorizeAccount("acct_browser", email: "b@example.com", plan: "pro");
        (string verifier, string challenge) = Pkce();

        using HttpResponseMessage authorize = await http.GetAsync(AuthorizeUrl(server, challenge, "state-123"));
        Assert.Equal(HttpStatusCode.Found, authorize.StatusCode);
        Uri location = authorize.Headers.Location!;
        Assert.StartsWith(Redirect + "?", location.ToString(), StringComparison.Ordinal);
        Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("state-123", query["state"].ToString());
        string code = query["code"].ToString();

        using HttpResponseMessage wrongRedirect = await ExchangeAsync(http, server, code, verifier, "http://localhost:9999/cb");
        Assert.Equal(HttpStatusCode.BadRequest, wrongRedirect.StatusCode);
        Assert.Equal("invalid_grant", (await JsonAsync(wrongRedirect))["error"]!.GetValue<string>());

        // The failed attempt used up the code: get a new one.
        server.NextAuthorizeAccount("acct_browser", email: "b@example.com", plan: "pro");
        using HttpResponseMessage again = await http.GetAsync(AuthorizeUrl(server, challenge, "state-456"));
        code = QueryHelpers.ParseQuery(again.Headers.Location!.Query)["code"].ToString();
        using HttpResponseMessage exchanged = await ExchangeAsync(http, server, code, verifier);
        Assert.Equal(HttpStatusCode.OK, exchanged.StatusCode);
        JsonObject tokens = await JsonAsync(exchanged);
        JsonObject idClaims = Payload(tokens["id_token"]!.GetValue<string>());
        Assert.Equal("acct_browser", idClaims["https://api.openai.com/auth"]!["chatgpt_account_id"]!.GetValue<string>());
        Assert.Equal("b@example.com", idClaims["email"]!.GetValue<string>());
        Assert.Equal(tokens["refresh_token"]!.GetValue<string>(), server.CurrentTokens("acct_browser").RefreshToken);

        using HttpResponseMessage replay = await ExchangeAsync(http, server, code, verifier);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
    }

    [Fact]
    public async Task Wrong_code_verifier_is_rejected()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        (_, string challenge) = Pkce();
        (string otherVerifier, _) = Pkce();

        using HttpResponseMessage authorize = await http.GetAsync(AuthorizeUrl(server, challenge, "s"));
        string code = QueryHelpers.ParseQuery(authorize.Headers.Location!.Query)["code"].ToString();
        using HttpResponseMessage exchanged = await ExchangeAsync(http, server, code, otherVerifier);

        Assert.Equal(HttpStatusCode.BadRequest, exchanged.StatusCode);
        Assert.Equal("invalid_grant", (await JsonAsync(exchanged))["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("plain", "s")]
    [InlineData("S256", "")]
    public async Task Authorize_requires_s256_and_state(string method, string state)
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();

        using HttpResponseMessage response = await http.GetAsync(AuthorizeUrl(server, Pkce().Challenge, state, method));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Authorize_can_be_denied()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.DenyNextAuthorize();

        using HttpResponseMessage response = await http.GetAsync(AuthorizeUrl(server, Pkce().Challenge, "st"));

        Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
        Assert.Equal("access_denied", query["error"].ToString());
        Assert.Equal("st", query["state"].ToString());
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task Device_code_is_pending_until_approved_then_exchanges()
    {
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { DeviceCodeInterval = TimeSpan.FromSeconds(1) });
        using HttpClient http = Client();
        Task<string> issued = server.WaitForDeviceCodeAsync();

        using HttpResponseMessage usercode = await http.PostAsync(new Uri(server.BaseAddress, "api/accounts/deviceauth/usercode"), JsonContent.Create(new { client_id = server.ClientId }));
        Assert.Equal(HttpStatusCode.OK, usercode.StatusCode);
        JsonObject started = await JsonAsync(usercode);
        Assert.Equal("1", started["interval"]!.GetValue<string>());
        string userCode = started["user_code"]!.GetValue<string>();
        string deviceAuthId = started["device_auth_id"]!.GetValue<string>();
        Assert.Equal(userCode, await issued.WaitAsync(TimeSpan.FromSeconds(30)));

        var poll = new { device_auth_id = deviceAuthId, user_code = userCode };
        Uri tokenUri = new(server.BaseAddress, "api/accounts/deviceauth/token");
        using HttpResponseMessage pending = await http.PostAsync(tokenUri, JsonContent.Create(poll));
        Assert.Equal(HttpStatusCode.Forbidden, pending.StatusCode);

        server.ApproveDeviceCode(userCode, accountId: "acct_device", plan: "team");
        using HttpResponseMessage approved = await http.PostAsync(tokenUri, JsonContent.Create(poll));
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        JsonObject grant = await JsonAsync(approved);
        string verifier = grant["code_verifier"]!.GetValue<string>();
        Assert.Equal(
            Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            grant["code_challenge"]!.GetValue<string>());

        using HttpResponseMessage exchanged = await ExchangeAsync(http, server, grant["authorization_code"]!.GetValue<string>(), verifier, server.IssuerString + "/deviceauth/callback");
        Assert.Equal(HttpStatusCode.OK, exchanged.StatusCode);
        JsonObject idClaims = Payload((await JsonAsync(exchanged))["id_token"]!.GetValue<string>());
        Assert.Equal("team", idClaims["https://api.openai.com/auth"]!["chatgpt_plan_type"]!.GetValue<string>());
        Assert.Equal("acct_device", idClaims["https://api.openai.com/auth"]!["chatgpt_account_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Device_code_can_be_disabled()
    {
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { DeviceCodeLoginEnabled = false });
        using HttpClient http = Client();

        using HttpResponseMessage response = await http.PostAsync(new Uri(server.BaseAddress, "api/accounts/deviceauth/usercode"), JsonContent.Create(new { client_id = server.ClientId }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Throws<InvalidOperationException>(() => server.ApproveDeviceCode());
    }
}
