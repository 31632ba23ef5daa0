using System.Text.Json.Nodes;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.SignIn;

public sealed class LogoutAndKeyTests : SignInTestBase
{
    private string AuthPath => Home.File("auth.json");

    private CodexSignIn CreateSignIn(Uri? revokeUrl = null) =>
        new(new FileCredentialStore(Home.Path), new SignInOptions { Issuer = Issuer.Issuer, HttpClient = Http, RevokeUrl = revokeUrl });

    private async Task WriteChatGptAsync() =>
        await new FileCredentialStore(Home.Path).SaveAsync(
            CodexAuthDocument.CreateChatGpt(TestJwt.IdToken("acct_1"), "access-1", FakeIssuer.RefreshToken, "acct_1", DateTimeOffset.UnixEpoch));

    [Fact]
    public async Task Logout_revokes_the_refresh_token_then_deletes_the_file()
    {
        await WriteChatGptAsync();
        using CodexSignIn signIn = CreateSignIn();

        LogoutResult result = await signIn.LogoutAsync();

        Assert.True(result.Removed);
        Assert.Equal(RevokeOutcome.Revoked, result.Revoke);
        Assert.False(File.Exists(AuthPath));
        SeenRequest revoke = Assert.Single(Issuer.RequestsTo("/oauth/revoke"));
        Assert.Equal("POST", revoke.Method);
        Assert.StartsWith("application/json", revoke.HeaderValues("content-type").Single(), StringComparison.Ordinal);
        Assert.Equal($$"""{"token":"{{FakeIssuer.RefreshToken}}","token_type_hint":"refresh_token","client_id":"app_EMoamEEZ73f0CkXaXp7hrann"}""", revoke.Body);
        DeviceCodeSignInTests.AssertNoSecret(result.ToString());
    }

    [Fact]
    public async Task Logout_deletes_even_when_the_revoke_is_refused()
    {
        await WriteChatGptAsync();
        Issuer.RevokeStatus = 500;
        using CodexSignIn signIn = CreateSignIn();

        LogoutResult result = await signIn.LogoutAsync();

        Assert.True(result.Removed);
        Assert.Equal(RevokeOutcome.Failed, result.Revoke);
        Assert.False(File.Exists(AuthPath));
    }

    [Fact]
    public async Task Logout_deletes_even_when_the_revoke_endpoint_is_unreachable()
    {
        await WriteChatGptAsync();
        Uri unreachable;
        await using (LoopbackServer gone = await LoopbackServer.StartAsync())
        {
            unreachable = new Uri(gone.BaseAddress, "oauth/revoke");
        }

        using CodexSignIn signIn = CreateSignIn(unreachable);
        LogoutResult result = await signIn.LogoutAsync();

        Assert.True(result.Removed);
        Assert.Equal(RevokeOutcome.Failed, result.Revoke);
        Assert.False(File.Exists(AuthPath));
        Assert.Empty(Issuer.RequestsTo("/oauth/revoke"));
    }

    [Fact]
    public async Task Logout_uses_the_revoke_override_and_handles_nothing_stored()
    {
        using CodexSignIn signIn = CreateSignIn(new Uri(Issuer.Issuer, "/custom/revoke"));
        LogoutResult nothing = await signIn.LogoutAsync();
        Assert.False(nothing.Removed);
        Assert.Equal(RevokeOutcome.NotNeeded, nothing.Revoke);

        await WriteChatGptAsync();
        LogoutResult result = await signIn.LogoutAsync();
        Assert.Equal(RevokeOutcome.Failed, result.Revoke); // the fake answers 404 there
        Assert.Single(Issuer.RequestsTo("/custom/revoke"));
    }

    [Fact]
    public async Task Logout_of_an_api_key_deletes_without_revoking()
    {
        using CodexSignIn signIn = CreateSignIn();
        await signIn.SaveApiKeyAsync("sk-test-1");

        LogoutResult result = await signIn.LogoutAsync();

        Assert.True(result.Removed);
        Assert.Equal(RevokeOutcome.NotNeeded, result.Revoke);
        Assert.Empty(Issuer.RequestsTo("/oauth/revoke"));
    }

    [Fact]
    public async Task Api_key_is_saved_as_codex_writes_it_with_mode_0600()
    {
        await WriteChatGptAsync();
        using CodexSignIn signIn = CreateSignIn();

        SignInResult result = await signIn.SaveApiKeyAsync("  sk-test-123 \n");

        Assert.Equal(CodexAuthMode.ApiKey, result.Mode);
        Assert.Equal(RevokeOutcome.Revoked, result.PreviousCredentials);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(AuthPath))!.AsObject();
        Assert.Equal("""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-test-123"}""", json.ToJsonString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AuthPath));
        }

        Assert.DoesNotContain("sk-test", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Personal_access_token_is_saved_in_its_own_mode()
    {
        using CodexSignIn signIn = CreateSignIn();

        SignInResult result = await signIn.SavePersonalAccessTokenAsync("at-abc123");

        Assert.Equal(CodexAuthMode.PersonalAccessToken, result.Mode);
        var json = JsonNode.Parse(await File.ReadAllTextAsync(AuthPath))!.AsObject();
        Assert.Equal("""{"auth_mode":"personalAccessToken","OPENAI_API_KEY":null,"personal_access_token":"at-abc123"}""", json.ToJsonString());
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => signIn.SavePersonalAccessTokenAsync("sk-not-a-pat"));
        Assert.DoesNotContain("sk-not-a-pat", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => signIn.SaveApiKeyAsync("sk two words"));
    }

    [Fact]
    public async Task Status_describes_the_stored_chatgpt_sign_in_without_secrets()
    {
        var store = new FileCredentialStore(Home.Path);
        await store.SaveAsync(CodexAuthDocument.CreateChatGpt(
            TestJwt.IdToken("acct_9", "me@example.com", "pro", fedRamp: true), TestJwt.AccessToken(1_900_000_000), FakeIssuer.RefreshToken, "acct_9",
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
        using CodexSignIn signIn = CreateSignIn();

        SignInStatus status = (await signIn.GetStatusAsync())!;

        Assert.Equal(CodexAuthMode.ChatGpt, status.Mode);
        Assert.Equal("acct_9", status.AccountId);
        Assert.Equal("me@example.com", status.Email);
        Assert.Equal("pro", status.PlanType);
        Assert.True(status.IsFedRamp);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_900_000_000), status.AccessTokenExpiresAt);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), status.LastRefresh);
        Assert.True(status.HasRefreshToken);
        Assert.Equal(AuthPath, status.Location);
        await signIn.LogoutAsync();
        Assert.Null(await signIn.GetStatusAsync());
    }

    [Fact]
    public void Options_from_environment_apply_overrides_and_ignore_blank_values()
    {
        SignInOptions defaults = SignInOptions.FromEnvironment(CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            ["CODEX_APP_SERVER_LOGIN_CLIENT_ID"] = "  ",
        }));
        Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", defaults.ClientId);
        Assert.Null(defaults.RevokeUrl);
        Assert.Equal(new Uri("https://auth.openai.com/oauth/revoke"), defaults.EffectiveRevokeUrl);
        Assert.Equal(new Uri("https://auth.openai.com/api/accounts/deviceauth/usercode"), defaults.DeviceUserCodeUrl);
        Assert.Equal(1455, defaults.CallbackPort);
        Assert.Equal(1457, defaults.FallbackCallbackPort);

        SignInOptions overridden = SignInOptions.FromEnvironment(CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            ["CODEX_APP_SERVER_LOGIN_CLIENT_ID"] = "app_custom",
            ["CODEX_REVOKE_TOKEN_URL_OVERRIDE"] = "https://revoke.example.test/r",
        }));
        Assert.Equal("app_custom", overridden.ClientId);
        Assert.Equal(new Uri("https://revoke.example.test/r"), overridden.EffectiveRevokeUrl);

        overridden.Issuer = new Uri("https://auth.example.test/base/");
        Assert.Equal(new Uri("https://auth.example.test/base/oauth/token"), overridden.TokenUrl);
    }
}
