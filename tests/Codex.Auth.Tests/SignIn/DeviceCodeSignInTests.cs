using System.Text.Json.Nodes;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.SignIn;

public sealed class DeviceCodeSignInTests : SignInTestBase
{
    private readonly SignalingTimeProvider _time = new();

    private CodexSignIn CreateSignIn(ICodexCredentialStore? store = null) =>
        new(store ?? new FileCredentialStore(Home.Path), new SignInOptions { Issuer = Issuer.Issuer, TimeProvider = _time, HttpClient = Http });

    [Fact]
    public async Task Pending_then_approved_exchanges_the_code_and_saves_chatgpt_tokens()
    {
        using CodexSignIn signIn = CreateSignIn();
        var reports = new List<SignInProgress>();
        var progress = new SyncProgress(reports.Add);

        Task<SignInResult> flow = signIn.SignInWithDeviceCodeAsync(progress);

        await _time.WaitForTimerAsync();          // polled once: pending, now waiting 5 s
        Assert.Single(Issuer.RequestsTo("/api/accounts/deviceauth/token"));
        _time.Advance(TimeSpan.FromSeconds(5));
        await _time.WaitForTimerAsync();          // polled twice: still pending
        Assert.Equal(2, Issuer.RequestsTo("/api/accounts/deviceauth/token").Count());
        Issuer.Approve();
        _time.Advance(TimeSpan.FromSeconds(5));
        SignInResult result = await flow;

        Assert.Equal(CodexAuthMode.ChatGpt, result.Mode);
        Assert.Equal(FakeIssuer.AccountId, result.AccountId);
        Assert.Equal("user@example.com", result.Email);
        Assert.Equal("plus", result.PlanType);
        Assert.Equal(RevokeOutcome.NotNeeded, result.PreviousCredentials);

        // Protocol: usercode request, poll bodies, exchange body.
        SeenRequest usercode = Assert.Single(Issuer.RequestsTo("/api/accounts/deviceauth/usercode"));
        Assert.Equal("POST", usercode.Method);
        Assert.Equal("""{"client_id":"app_EMoamEEZ73f0CkXaXp7hrann"}""", usercode.Body);
        Assert.StartsWith("application/json", usercode.HeaderValues("content-type").Single(), StringComparison.Ordinal);
        Assert.All(Issuer.RequestsTo("/api/accounts/deviceauth/token"), r =>
            Assert.Equal($$"""{"device_auth_id":"{{FakeIssuer.DeviceAuthId}}","user_code":"{{FakeIssuer.UserCode}}"}""", r.Body));
        SeenRequest exchange = Assert.Single(Issuer.RequestsTo("/oauth/token"));
        Assert.Equal("application/x-www-form-urlencoded", exchange.HeaderValues("content-type").Single());
        string redirect = Uri.EscapeDataString(Issuer.Issuer.AbsoluteUri.TrimEnd('/') + "/deviceauth/callback");
        Assert.Equal(
            $"grant_type=authorization_code&code={FakeIssuer.AuthorizationCode}&redirect_uri={redirect}&client_id=app_EMoamEEZ73f0CkXaXp7hrann&code_verifier={FakeIssuer.DeviceCodeVerifier}",
            exchange.Body);

        // Progress: code issued with URL and 15-minute expiry, then one report per pending poll.
        SignInProgress issued = reports[0];
        Assert.Equal(SignInProgressKind.DeviceCodeIssued, issued.Kind);
        Assert.Equal(FakeIssuer.UserCode, issued.UserCode);
        Assert.Equal(new Uri(Issuer.Issuer.AbsoluteUri.TrimEnd('/') + "/codex/device"), issued.VerificationUri);
        Assert.Equal(_time.Start + TimeSpan.FromMinutes(15), issued.ExpiresAt);
        Assert.Equal(TimeSpan.FromSeconds(5), issued.PollInterval);
        Assert.Equal([1, 2], reports.Where(r => r.Kind == SignInProgressKind.DeviceCodePending).Select(r => r.PollCount));
        Assert.Equal(SignInProgressKind.Completed, reports[^1].Kind);

        // The stored file: exactly what Codex writes, mode 0600.
        string path = Home.File("auth.json");
        var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        Assert.Equal("chatgpt", (string?)json["auth_mode"]);
        Assert.True(json.ContainsKey("OPENAI_API_KEY"));
        Assert.Null(json["OPENAI_API_KEY"]);
        Assert.Equal(Issuer.IdToken, (string?)json["tokens"]!["id_token"]);
        Assert.Equal(Issuer.AccessToken, (string?)json["tokens"]!["access_token"]);
        Assert.Equal(FakeIssuer.RefreshToken, (string?)json["tokens"]!["refresh_token"]);
        Assert.Equal(FakeIssuer.AccountId, (string?)json["tokens"]!["account_id"]);
        Assert.Equal("2026-03-01T12:00:10.000000Z", (string?)json["last_refresh"]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        // No secret in any progress report's text.
        Assert.All(reports, r => AssertNoSecret(r.ToString()));
        AssertNoSecret(result.ToString());
    }

    [Theory]
    [InlineData("\"5\"", 5)]
    [InlineData("\" 7 \"", 7)]
    [InlineData("3", 3)]
    [InlineData("2.5", 2.5)]
    [InlineData("\"soon\"", 5)]
    [InlineData("null", 5)]
    public void Interval_is_read_from_a_string_or_a_number(string json, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SignInHttp.ReadInterval(JsonNode.Parse(json)));

    [Fact]
    public async Task Usercode_field_alias_and_numeric_interval_are_accepted()
    {
        Issuer.UserCodeField = "usercode";
        Issuer.IntervalJson = "2";
        Issuer.Approve();
        using CodexSignIn signIn = CreateSignIn();
        SignInProgress? issued = null;

        await signIn.SignInWithDeviceCodeAsync(new SyncProgress(p => issued ??= p));

        Assert.Equal(FakeIssuer.UserCode, issued!.UserCode);
        Assert.Equal(TimeSpan.FromSeconds(2), issued.PollInterval);
        Assert.Contains(FakeIssuer.UserCode, Assert.Single(Issuer.RequestsTo("/api/accounts/deviceauth/token")).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_404_on_usercode_means_device_login_is_not_enabled()
    {
        Issuer.DeviceLoginEnabled = false;
        using CodexSignIn signIn = CreateSignIn();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => signIn.SignInWithDeviceCodeAsync());

        Assert.Equal(CodexAuthFailureReason.SignInFailed, ex.Reason);
        Assert.Contains("device login is not enabled for this server", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Home.File("auth.json")));
    }

    [Fact]
    public async Task Cancellation_while_waiting_stops_polling_and_saves_nothing()
    {
        using CodexSignIn signIn = CreateSignIn();
        using var cts = new CancellationTokenSource();
        Task<SignInResult> flow = signIn.SignInWithDeviceCodeAsync(null, cts.Token);
        await _time.WaitForTimerAsync();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flow);
        Assert.Single(Issuer.RequestsTo("/api/accounts/deviceauth/token"));
        Assert.Empty(Issuer.RequestsTo("/oauth/token"));
        Assert.False(File.Exists(Home.File("auth.json")));
    }

    [Fact]
    public async Task Gives_up_after_fifteen_minutes()
    {
        Issuer.IntervalJson = "\"60\"";
        using CodexSignIn signIn = CreateSignIn();
        Task<SignInResult> flow = signIn.SignInWithDeviceCodeAsync();

        for (int i = 0; i < 15; i++)
        {
            await _time.WaitForTimerAsync();
            _time.Advance(TimeSpan.FromSeconds(60));
        }

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => flow);
        Assert.Equal(CodexAuthFailureReason.SignInFailed, ex.Reason);
        Assert.Contains("expired after 15 minutes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(16, Issuer.RequestsTo("/api/accounts/deviceauth/token").Count());
        Assert.False(File.Exists(Home.File("auth.json")));
        AssertNoSecret(ex.ToString());
    }

    [Fact]
    public async Task A_refused_exchange_reports_status_and_error_code_but_no_secret()
    {
        Issuer.Approve();
        Issuer.TokenResponseOverride = (400, $$"""{"error":"invalid_grant","error_description":"code {{FakeIssuer.AuthorizationCode}} verifier {{FakeIssuer.DeviceCodeVerifier}}"}""");
        using CodexSignIn signIn = CreateSignIn();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => signIn.SignInWithDeviceCodeAsync());

        Assert.Equal(CodexAuthFailureReason.SignInFailed, ex.Reason);
        Assert.Contains("HTTP 400 (invalid_grant)", ex.Message, StringComparison.Ordinal);
        AssertNoSecret(ex.ToString());
        Assert.False(File.Exists(Home.File("auth.json")));
    }

    [Fact]
    public async Task Signing_in_revokes_and_replaces_the_previous_credentials()
    {
        var store = new InMemoryCredentialStore(CodexAuthDocument.CreateChatGpt(TestJwt.IdToken("acct_old"), "old-access", "old-refresh", "acct_old", _time.GetUtcNow()));
        Issuer.Approve();
        using CodexSignIn signIn = CreateSignIn(store);

        SignInResult result = await signIn.SignInWithDeviceCodeAsync();

        Assert.Equal(RevokeOutcome.Revoked, result.PreviousCredentials);
        SeenRequest revoke = Assert.Single(Issuer.RequestsTo("/oauth/revoke"));
        Assert.Equal("""{"token":"old-refresh","token_type_hint":"refresh_token","client_id":"app_EMoamEEZ73f0CkXaXp7hrann"}""", revoke.Body);
        Assert.Equal(FakeIssuer.AccountId, (await store.LoadAsync())!.AccountId);
        int revokeIndex = Issuer.Requests.ToList().FindIndex(r => r.Path == "/oauth/revoke");
        int exchangeIndex = Issuer.Requests.ToList().FindIndex(r => r.Path == "/oauth/token");
        Assert.True(exchangeIndex < revokeIndex, "the old credentials are revoked only once the new sign-in succeeded");
    }

    internal static void AssertNoSecret(string text)
    {
        foreach (string secret in new[] { FakeIssuer.AuthorizationCode, FakeIssuer.DeviceCodeVerifier, FakeIssuer.RefreshToken, "SECRET" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }
}
