using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;

namespace Codex.Auth.Tests.ChatGpt;

public sealed class ChatGptTokenClaimsTests
{
    private static string Jwt(JsonObject payload) =>
        $"{B64("{\"alg\":\"none\"}")}.{B64(payload.ToJsonString())}.sig";

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void Reads_the_identity_claims_keeping_unknown_plans()
    {
        string token = Jwt(new JsonObject
        {
            ["email"] = "a@b.c",
            ["https://api.openai.com/auth"] = new JsonObject
            {
                ["chatgpt_plan_type"] = "self_serve_business_usage_based",
                ["chatgpt_user_id"] = "user_1",
                ["chatgpt_account_id"] = "acct_1",
                ["chatgpt_account_is_fedramp"] = true,
            },
        });

        ChatGptIdentity identity = ChatGptTokenClaims.ReadIdentity(token);

        Assert.Equal(new ChatGptIdentity("a@b.c", "self_serve_business_usage_based", "user_1", "acct_1", true), identity);
    }

    [Fact]
    public void Falls_back_to_the_profile_email_and_user_id_and_defaults_fedramp_to_false()
    {
        string token = Jwt(new JsonObject
        {
            ["https://api.openai.com/profile"] = new JsonObject { ["email"] = "p@q.r" },
            ["https://api.openai.com/auth"] = new JsonObject { ["user_id"] = "user_2" },
        });

        ChatGptIdentity identity = ChatGptTokenClaims.ReadIdentity(token);

        Assert.Equal("p@q.r", identity.Email);
        Assert.Equal("user_2", identity.UserId);
        Assert.False(identity.IsFedRamp);
        Assert.Null(identity.PlanType);
    }

    [Theory]
    [InlineData("only.two")]
    [InlineData("a..c")]
    [InlineData("a.!!!.c")]
    [InlineData("a.bm90IGpzb24.c")]
    [InlineData("a.b.c.d")]
    public void Malformed_id_tokens_are_typed_errors_without_the_token(string token)
    {
        var ex = Assert.Throws<CodexAuthException>(() => ChatGptTokenClaims.ReadIdentity(token));
        Assert.Equal(CodexAuthFailureReason.MalformedToken, ex.Reason);
        Assert.DoesNotContain(token, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Access_token_expiry_is_read_and_opaque_tokens_have_none()
    {
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1800000000), ChatGptTokenClaims.ReadExpiry(Jwt(new JsonObject { ["exp"] = 1800000000 })));
        Assert.Null(ChatGptTokenClaims.ReadExpiry(Jwt(new JsonObject { ["sub"] = "x" })));
        Assert.Null(ChatGptTokenClaims.ReadExpiry("opaque-access-token"));
    }

    [Fact]
    public void Refresh_is_due_five_minutes_before_exp_clamped_to_half_the_lifetime_or_eight_days_after_last_refresh()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        TimeSpan five = TimeSpan.FromMinutes(5);
        TimeSpan eight = TimeSpan.FromDays(8);

        Assert.Equal(now.AddMinutes(55), RefreshPolicy.ComputeRefreshAt(now.AddHours(1), now, now, five, eight, now));
        Assert.Equal(now.AddMinutes(2), RefreshPolicy.ComputeRefreshAt(now.AddMinutes(4), now, now, five, eight, now));
        Assert.Equal(now.AddDays(8), RefreshPolicy.ComputeRefreshAt(null, null, now, five, eight, now));
    }

    [Fact]
    public void A_local_clock_running_ahead_of_the_server_is_corrected_for_a_token_just_received()
    {
        var iat = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        DateTimeOffset exp = iat.AddHours(1);

        // Received when the local clock said 03:00: the token is valid until 04:00 local time.
        Assert.Equal((exp.AddHours(3), iat.AddHours(3)), RefreshPolicy.CorrectForClockSkew(exp, iat, iat.AddHours(3)));

        // Up to a minute of difference is noise; no iat means nothing to correct with.
        Assert.Equal((exp, iat), RefreshPolicy.CorrectForClockSkew(exp, iat, iat.AddSeconds(30)));
        Assert.Equal(((DateTimeOffset?)exp, (DateTimeOffset?)null), RefreshPolicy.CorrectForClockSkew(exp, null, iat.AddHours(3)));
    }

    [Fact]
    public void Retry_After_in_seconds_or_as_a_date_sets_the_retry_delay_capped_at_two_minutes()
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var seconds = new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);
        seconds.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(17));
        using var date = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
        date.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(now.AddSeconds(45));
        using var huge = new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);
        huge.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromHours(1));
        using var none = new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable);

        Assert.Equal(TimeSpan.FromSeconds(17), Codex.Auth.Backchannel.BackchannelClient.RetryAfter(seconds, now));
        Assert.Equal(TimeSpan.FromSeconds(45), Codex.Auth.Backchannel.BackchannelClient.RetryAfter(date, now));
        Assert.Equal(TimeSpan.FromMinutes(2), Codex.Auth.Backchannel.BackchannelClient.RetryAfter(huge, now));
        Assert.Null(Codex.Auth.Backchannel.BackchannelClient.RetryAfter(none, now));
        Assert.Null(Codex.Auth.Backchannel.BackchannelClient.RetryAfter(null, now));
    }

    [Fact]
    public void The_refresh_body_is_exactly_what_codex_sends()
    {
        string body = Encoding.UTF8.GetString(TokenRefreshClient.BuildBody("app_X", "rt_1", RefreshReason.UnauthorizedRecovery));
        Assert.Equal("""{"client_id":"app_X","grant_type":"refresh_token","refresh_reason":"unauthorized_recovery","refresh_token":"rt_1"}""", body);
    }

    [Theory]
    [InlineData("""{"error":{"code":"Refresh_Token_Reused"}}""", "Refresh_Token_Reused")]
    [InlineData("""{"error":"invalid_grant"}""", "invalid_grant")]
    [InlineData("""{"code":"refresh_token_expired"}""", "refresh_token_expired")]
    [InlineData("""{"error":{"message":"x"}}""", null)]
    [InlineData("""{"error":"eyJhbGciOiJSUzI1NiJ9 leaked token with spaces"}""", null)]
    public void The_error_code_is_read_from_each_documented_place_and_only_identifiers_are_kept(string json, string? expected) =>
        Assert.Equal(expected, Codex.Auth.Internal.JsonFields.OAuthErrorCode((JsonObject)JsonNode.Parse(json)!));

    [Fact]
    public void Environment_overrides_pick_the_refresh_url_and_client_id()
    {
        using var home = new TempDirectory();
        var env = CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = "http://127.0.0.1:9/custom/token",
            ["CODEX_APP_SERVER_LOGIN_CLIENT_ID"] = "  ",
            ["CODEX_HOME"] = home.Path,
        });
        using var provider = new ChatGptTokenProvider(new ChatGptTokenProviderOptions(), environment: env);

        Assert.Equal(new Uri("http://127.0.0.1:9/custom/token"), provider.RefreshTokenUrl);
        Assert.Equal(Path.Combine(home.Path, "auth.json"), provider.Store.Location);
    }
}
