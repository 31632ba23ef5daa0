using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests;

public sealed class PlaceholderCredentialsTests
{
    [Fact]
    public async Task A_placeholder_auth_json_carries_the_hosts_exp_and_account_and_no_secret()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        using var host = new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions { CodexHome = fx.Home.Path, RefreshTokenUrl = fx.Server.TokenEndpoint, WatchStore = false },
            fx.Time);
        using var sandbox = new TempDirectory();
        string path = sandbox.File("auth.json");

        PlaceholderTokens tokens = await PlaceholderCredentials.WriteAuthJsonAsync(path, host, fx.Time);

        string text = File.ReadAllText(path);
        Assert.DoesNotContain(fx.SignIn.AccessToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.RefreshToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.IdToken, text, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.Email, text, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        JsonObject doc = (JsonObject)JsonNode.Parse(text)!;
        Assert.Equal("chatgpt", doc["auth_mode"]!.GetValue<string>());
        Assert.Null(doc["OPENAI_API_KEY"]);
        Assert.True(doc.ContainsKey("OPENAI_API_KEY"));
        Assert.NotNull(doc["last_refresh"]);
        Assert.Equal(ProxyFixture.AccountId, doc["tokens"]!["account_id"]!.GetValue<string>());
        Assert.Equal(PlaceholderCredentials.RefreshTokenValue, doc["tokens"]!["refresh_token"]!.GetValue<string>());
        long exp = fx.SignIn.AccessTokenExpiresAt.ToUnixTimeSeconds();
        Assert.Equal(exp, Jwt.Payload(doc["tokens"]!["access_token"]!.GetValue<string>())["exp"]!.GetValue<long>());
        Assert.Equal(exp, tokens.ExpiresAt.ToUnixTimeSeconds());
        Assert.Equal(ProxyFixture.AccountId, tokens.AccountId);

        // Codex.Auth itself reads the placeholder as a valid ChatGPT sign-in with the host's account, plan and expiry.
        using var reader = new ChatGptTokenProvider(new ChatGptTokenProviderOptions { CodexHome = sandbox.Path, WatchStore = false }, fx.Time);
        ChatGptSession session = await reader.GetSessionAsync();
        Assert.Equal(ProxyFixture.AccountId, session.AccountId);
        Assert.Equal(ProxyFixture.AccountId, session.Identity.AccountId);
        Assert.Equal("pro", session.Identity.PlanType);
        Assert.Equal("user-main", session.Identity.UserId);
        Assert.Null(session.Identity.Email);
        Assert.Equal(exp, session.AccessTokenExpiresAt!.Value.ToUnixTimeSeconds());
    }

    [Fact]
    public void Placeholders_keep_the_fedramp_flag()
    {
        DateTimeOffset now = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
        PlaceholderTokens tokens = PlaceholderCredentials.Create("acct_fed", now.AddMinutes(30), now, new ChatGptIdentity("x@example.com", "enterprise", "user-1", "acct_fed", IsFedRamp: true));

        JsonObject id = Jwt.Payload(tokens.IdToken);
        Assert.True(id["https://api.openai.com/auth"]!["chatgpt_account_is_fedramp"]!.GetValue<bool>());
        Assert.Equal("enterprise", id["https://api.openai.com/auth"]!["chatgpt_plan_type"]!.GetValue<string>());
        Assert.Null(id["email"]);
        Assert.True(id[PlaceholderCredentials.PlaceholderClaim]!.GetValue<bool>());
        Assert.Equal(now.AddMinutes(30).ToUnixTimeSeconds(), Jwt.Payload(tokens.AccessToken)["exp"]!.GetValue<long>());
        Assert.DoesNotContain("x@example.com", tokens.IdToken + tokens.AccessToken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writing_placeholders_fails_for_an_expired_host_that_cannot_be_renewed()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        using var host = new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions { CodexHome = fx.Home.Path, RefreshTokenUrl = fx.Server.TokenEndpoint, WatchStore = false, RefreshRetryDelay = TimeSpan.Zero },
            fx.Time);
        using var sandbox = new TempDirectory();
        fx.Time.Advance(TimeSpan.FromHours(2));
        fx.Server.TokenFaults.InvalidGrant();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => PlaceholderCredentials.WriteAuthJsonAsync(sandbox.File("auth.json"), host, fx.Time));

        Assert.Contains("codex login", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(sandbox.File("auth.json")));
    }
}
