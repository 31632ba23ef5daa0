using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class SignInTokenTests
{
    [Fact]
    public async Task Id_token_carries_the_chatgpt_claims()
    {
        await using var server = await FakeCodexServer.StartAsync();

        FakeSignIn signIn = server.SignIn("acct_x", "x@example.com", "enterprise_cbp_usage_based", isFedRamp: true, userId: "user-42");

        JsonObject claims = Payload(signIn.IdToken);
        Assert.Equal("x@example.com", claims["email"]!.GetValue<string>());
        JsonNode auth = claims["https://api.openai.com/auth"]!;
        Assert.Equal("enterprise_cbp_usage_based", auth["chatgpt_plan_type"]!.GetValue<string>());
        Assert.Equal("user-42", auth["chatgpt_user_id"]!.GetValue<string>());
        Assert.Equal("acct_x", auth["chatgpt_account_id"]!.GetValue<string>());
        Assert.True(auth["chatgpt_account_is_fedramp"]!.GetValue<bool>());
        Assert.Equal("RS256", Header(signIn.IdToken)["alg"]!.GetValue<string>());
        Assert.True(signIn.IsFedRamp);
        Assert.Equal("enterprise_cbp_usage_based", signIn.Plan);
    }

    [Fact]
    public async Task Access_tokens_have_exp_iat_account_and_a_unique_jti()
    {
        await using var server = await FakeCodexServer.StartAsync();

        JsonObject first = Payload(server.SignIn("acct_1").AccessToken);
        JsonObject second = Payload(server.SignIn("acct_1").AccessToken);

        Assert.True(first["exp"]!.GetValue<long>() > first["iat"]!.GetValue<long>());
        Assert.Equal("acct_1", first["https://api.openai.com/auth"]!["chatgpt_account_id"]!.GetValue<string>());
        Assert.NotEqual(first["jti"]!.GetValue<string>(), second["jti"]!.GetValue<string>());
    }

    [Fact]
    public async Task Auth_json_is_the_codex_chatgpt_document()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 8, 22, 5, 31, 1, 123, TimeSpan.Zero));
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time });
        FakeSignIn signIn = server.SignIn("acct_a");

        string json = signIn.ToAuthJson();

        Assert.Contains('\n', json);
        JsonObject doc = (JsonNode.Parse(json) as JsonObject)!;
        Assert.Equal(["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"], doc.Select(p => p.Key));
        Assert.Equal("chatgpt", doc["auth_mode"]!.GetValue<string>());
        Assert.Null(doc["OPENAI_API_KEY"]);
        Assert.True(doc.ContainsKey("OPENAI_API_KEY"));
        JsonObject tokens = doc["tokens"]!.AsObject();
        Assert.Equal(["id_token", "access_token", "refresh_token", "account_id"], tokens.Select(p => p.Key));
        Assert.Equal(signIn.RefreshToken, tokens["refresh_token"]!.GetValue<string>());
        Assert.Equal("acct_a", tokens["account_id"]!.GetValue<string>());
        Assert.Equal("2026-08-22T05:31:01.123000Z", doc["last_refresh"]!.GetValue<string>());
        Assert.Equal("2020-01-02T03:04:05.000000Z", (JsonNode.Parse(signIn.ToAuthJson(new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero)))!["last_refresh"]!).GetValue<string>());
        Assert.DoesNotContain(signIn.RefreshToken, signIn.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MintJwt_signs_the_payload_as_given()
    {
        await using var server = await FakeCodexServer.StartAsync();

        string jwt = server.MintJwt(new JsonObject { ["sub"] = "odd" });

        JsonObject payload = Payload(jwt);
        Assert.Equal("odd", payload["sub"]!.GetValue<string>());
        Assert.False(payload.ContainsKey("exp"));
    }

    [Fact]
    public async Task CurrentTokens_of_an_unknown_account_throws()
    {
        await using var server = await FakeCodexServer.StartAsync();

        Assert.Throws<InvalidOperationException>(() => server.CurrentTokens("nobody"));
        Assert.Throws<InvalidOperationException>(() => server.SimulateRefreshByOtherClient("nobody"));
    }
}
