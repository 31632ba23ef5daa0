using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class TokenEndpointTests
{
    [Fact]
    public async Task Server_listens_on_loopback_with_an_ephemeral_port()
    {
        await using var first = await FakeCodexServer.StartAsync();
        await using var second = await FakeCodexServer.StartAsync();

        Assert.Equal("127.0.0.1", first.BaseAddress.Host);
        Assert.NotEqual(0, first.BaseAddress.Port);
        Assert.NotEqual(first.BaseAddress.Port, second.BaseAddress.Port);
        Assert.Equal(first.BaseAddress + "oauth/token", first.TokenEndpoint.ToString());
        Assert.Equal(first.BaseAddress + "backend-api/codex", first.CodexBaseUrl.ToString());
        Assert.Equal(first.BaseAddress + "backend-api/", first.ChatGptBaseUrl.ToString());
        Assert.Equal("http://127.0.0.1:" + first.BaseAddress.Port, first.IssuerString);
        Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", first.ClientId);
    }

    [Fact]
    public async Task Refresh_rotates_every_token_and_spends_the_old_refresh_token()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_1");

        using HttpResponseMessage ok = await RefreshAsync(http, server, signIn.RefreshToken, "unauthorized_recovery");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        JsonObject tokens = await JsonAsync(ok);
        string newRefresh = tokens["refresh_token"]!.GetValue<string>();
        Assert.NotEqual(signIn.RefreshToken, newRefresh);
        Assert.NotEqual(signIn.AccessToken, tokens["access_token"]!.GetValue<string>());
        Assert.NotEqual(signIn.IdToken, tokens["id_token"]!.GetValue<string>());
        Assert.Equal("acct_1", Payload(tokens["id_token"]!.GetValue<string>())["https://api.openai.com/auth"]!["chatgpt_account_id"]!.GetValue<string>());

        FakeSignIn current = server.CurrentTokens("acct_1");
        Assert.Equal(newRefresh, current.RefreshToken);
        Assert.Equal(tokens["access_token"]!.GetValue<string>(), current.AccessToken);

        using HttpResponseMessage reused = await RefreshAsync(http, server, signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Equal("refresh_token_reused", await ErrorCodeAsync(reused));

        using HttpResponseMessage again = await RefreshAsync(http, server, newRefresh);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);

        Assert.Equal(3, server.TokenRefreshCount);
        Assert.Equal(["unauthorized_recovery", "proactive_expiry", "proactive_expiry"], server.RefreshReasons);
    }

    [Fact]
    public async Task Refresh_rejects_unknown_tokens_wrong_client_and_form_bodies()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        using HttpResponseMessage unknown = await RefreshAsync(http, server, "rt_unknown");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("refresh_token_invalidated", await ErrorCodeAsync(unknown));

        using HttpResponseMessage wrongClient = await RefreshAsync(http, server, signIn.RefreshToken, clientId: "app_other");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongClient.StatusCode);
        Assert.Equal("invalid_client", await ErrorCodeAsync(wrongClient));

        using HttpResponseMessage form = await http.PostAsync(server.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = server.ClientId,
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = signIn.RefreshToken,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        Assert.Equal("invalid_request", await ErrorCodeAsync(form));

        // None of the rejected attempts spent the token.
        using HttpResponseMessage ok = await RefreshAsync(http, server, signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_new_sign_in_invalidates_the_previous_session()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn first = server.SignIn();
        server.SignIn();

        using HttpResponseMessage old = await RefreshAsync(http, server, first.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal("refresh_token_invalidated", await ErrorCodeAsync(old));
    }

    [Fact]
    public async Task Refresh_by_another_client_spends_the_token_out_of_band()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn mine = server.SignIn("acct_1");

        FakeSignIn theirs = server.SimulateRefreshByOtherClient("acct_1");

        Assert.NotEqual(mine.RefreshToken, theirs.RefreshToken);
        Assert.Equal(theirs.RefreshToken, server.CurrentTokens("acct_1").RefreshToken);
        Assert.Equal(0, server.TokenRefreshCount);
        using HttpResponseMessage reused = await RefreshAsync(http, server, mine.RefreshToken);
        Assert.Equal("refresh_token_reused", await ErrorCodeAsync(reused));
        using HttpResponseMessage adopted = await RefreshAsync(http, server, theirs.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, adopted.StatusCode);
    }

    [Fact]
    public async Task Revoke_answers_200_records_the_token_and_invalidates_it()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        using HttpResponseMessage revoked = await http.PostAsync(server.RevokeEndpoint, JsonContent.Create(new
        {
            token = signIn.RefreshToken,
            token_type_hint = "refresh_token",
            client_id = server.ClientId,
        }));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal([signIn.RefreshToken], server.RevokedTokens);
        Assert.True(server.IsRevoked(signIn.RefreshToken));
        using HttpResponseMessage refresh = await RefreshAsync(http, server, signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.Equal("refresh_token_invalidated", await ErrorCodeAsync(refresh));

        using HttpRequestMessage call = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage backend = await http.SendAsync(call);
        Assert.Equal(HttpStatusCode.Unauthorized, backend.StatusCode);
    }

    [Fact]
    public async Task Revoke_with_the_wrong_client_id_is_refused()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        using HttpResponseMessage response = await http.PostAsync(server.RevokeEndpoint, JsonContent.Create(new { token = signIn.RefreshToken, client_id = "nope" }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(server.IsRevoked(signIn.RefreshToken));
    }
}
