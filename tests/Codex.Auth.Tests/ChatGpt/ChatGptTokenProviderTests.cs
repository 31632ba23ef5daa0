using System.Net;
using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ChatGpt;

public sealed class ChatGptTokenProviderTests : IAsyncLifetime
{
    private ChatGptFixture _f = null!;

    public async Task InitializeAsync() => _f = await ChatGptFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private static string Authorization(AuthHeaders headers)
    {
        using var request = new HttpRequestMessage();
        headers.ApplyTo(request.Headers);
        return string.Join(",", request.Headers.GetValues("Authorization"));
    }

    [Fact]
    public async Task Sends_bearer_and_account_and_the_backend_accepts_it()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        HttpClient client = _f.CreateClient(provider);

        using HttpResponseMessage response = await client.GetAsync("models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest seen = Assert.Single(_f.Server.RequestsTo("/backend-api/codex/models"));
        Assert.Equal("Bearer " + _f.SignIn.AccessToken, seen.Header("Authorization"));
        Assert.Equal("acct_main", seen.Header("ChatGPT-Account-ID"));
        Assert.Null(seen.Header("X-OpenAI-Fedramp"));
        Assert.Equal(0, _f.Server.TokenRefreshCount);
        Assert.Equal(new Uri("https://chatgpt.com/backend-api/codex"), new ChatGptTokenProvider(new ChatGptTokenProviderOptions { CodexHome = _f.Home.Path }).BaseUrl);
    }

    [Fact]
    public async Task FedRamp_header_only_when_the_id_token_says_so()
    {
        await using ChatGptFixture fed = await ChatGptFixture.StartAsync(fedramp: true);
        AuthHeaders headers = await fed.CreateProvider().GetHeadersAsync();

        Assert.True(headers.IsFedRamp);
        Assert.Equal("acct_main", headers.AccountId);
        Assert.False((await _f.CreateProvider().GetHeadersAsync()).IsFedRamp);
    }

    [Fact]
    public async Task The_cached_path_completes_synchronously_with_the_same_instance()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        AuthHeaders first = await provider.GetHeadersAsync();

        ValueTask<AuthHeaders> again = provider.GetHeadersAsync();

        Assert.True(again.IsCompletedSuccessfully);
        Assert.Same(first, again.Result);
    }

    [Theory]
    [InlineData("""{"auth_mode":"chatgpt","OPENAI_API_KEY":null}""", "no \"tokens\"")]
    [InlineData("""{"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"id_token":"","access_token":"a","refresh_token":"r","account_id":"x"}}""", "no \"last_refresh\"")]
    public async Task No_authorization_without_tokens_and_last_refresh_and_the_error_says_why(string json, string why)
    {
        _f.WriteAuthJson(json);
        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => _f.CreateProvider().GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.NotSignedIn, ex.Reason);
        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.Contains("codex login", ex.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_key_mode_store_is_not_a_chatgpt_sign_in()
    {
        _f.WriteAuthJson("""{"OPENAI_API_KEY":"sk-x","tokens":{"id_token":"","access_token":"a","refresh_token":"r"},"last_refresh":"2026-01-01T00:00:00Z"}""");
        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => _f.CreateProvider().GetHeadersAsync().AsTask());
        Assert.Equal(CodexAuthFailureReason.UnsupportedMode, ex.Reason);
    }

    [Fact]
    public async Task Concurrent_requests_on_an_expired_token_share_exactly_one_refresh()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        HttpClient client = _f.CreateClient(provider);
        _f.Time.Advance(TimeSpan.FromHours(2));

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => client.GetAsync("models")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, _f.Server.TokenRefreshCount);
        Assert.Equal(["proactive_expiry"], _f.Server.RefreshReasons);
        FakeSignIn current = _f.Server.CurrentTokens("acct_main");
        JsonObject stored = _f.ReadAuthJson();
        Assert.Equal(current.AccessToken, (string?)stored["tokens"]!["access_token"]);
        Assert.Equal(current.RefreshToken, (string?)stored["tokens"]!["refresh_token"]);
        Assert.Equal("acct_main", (string?)stored["tokens"]!["account_id"]);
        Assert.Equal(_f.Time.GetUtcNow(), DateTimeOffset.Parse((string)stored["last_refresh"]!, System.Globalization.CultureInfo.InvariantCulture));
        foreach (HttpResponseMessage r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Inside_the_refresh_window_the_current_token_is_served_while_one_background_refresh_runs()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        AuthHeaders original = await provider.GetHeadersAsync();
        FakeGate gate = _f.Server.TokenFaults.HoldNextResponse();
        _f.Time.Advance(TimeSpan.FromMinutes(57)); // 3 minutes before exp

        for (int i = 0; i < 50; i++)
        {
            ValueTask<AuthHeaders> pending = provider.GetHeadersAsync();
            Assert.True(pending.IsCompletedSuccessfully, "requests inside the window must not wait for the refresh");
            Assert.Same(original, pending.Result);
        }

        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        gate.Release();
        AuthHeaders refreshed = await WaitForNewHeadersAsync(provider, original);

        Assert.Equal("Bearer " + _f.Server.CurrentTokens("acct_main").AccessToken, Authorization(refreshed));
        Assert.Equal(1, _f.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task A_throwing_Refreshed_subscriber_fails_neither_a_request_nor_a_background_refresh()
    {
        // Issue 12 item 9: events are raised after the new state is published, each subscriber isolated.
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.MaxRefreshRetries = 0);
        AuthHeaders original = await provider.GetHeadersAsync();
        var failed = new TaskCompletionSource<RefreshFailedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.BackgroundRefreshFailed += (_, e) => failed.TrySetResult(e);
        provider.Refreshed += (_, _) => throw new InvalidOperationException("subscriber bug");
        provider.Refreshed += (_, _) => later.TrySetResult();

        // Background refresh (inside the window): it succeeds, the second subscriber still runs, nothing reports failure.
        _f.Time.Advance(TimeSpan.FromMinutes(57));
        Assert.Same(original, await provider.GetHeadersAsync());
        await later.Task.WaitAsync(TimeSpan.FromSeconds(30));
        AuthHeaders refreshed = await provider.GetHeadersAsync();
        Assert.False(refreshed.HasSameCredential(original));
        Assert.Null(provider.LastRefreshFailure);
        Assert.False(failed.Task.IsCompleted);

        // Foreground refresh (past expiry): the request gets the new token, not the subscriber's exception.
        _f.Time.Advance(TimeSpan.FromHours(2));
        AuthHeaders foreground = await provider.GetHeadersAsync();
        Assert.False(foreground.HasSameCredential(refreshed));
        Assert.Equal(2, _f.Server.TokenRefreshCount);
        Assert.False(failed.Task.IsCompleted);
    }

    [Fact]
    public async Task A_failed_background_refresh_is_observable_keeps_the_token_and_waits_before_retrying()
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.MaxRefreshRetries = 0);
        AuthHeaders original = await provider.GetHeadersAsync();
        var failed = new TaskCompletionSource<RefreshFailedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.BackgroundRefreshFailed += (_, e) => failed.TrySetResult(e);
        _f.Server.TokenFaults.ServerError(times: 1, status: HttpStatusCode.ServiceUnavailable);
        _f.Time.Advance(TimeSpan.FromMinutes(57));

        Assert.Same(original, await provider.GetHeadersAsync());
        RefreshFailedEventArgs args = await failed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(CodexAuthFailureReason.RefreshFailed, args.Error.Reason);
        Assert.Equal(_f.Time.GetUtcNow() + TimeSpan.FromSeconds(30), args.NextAttemptAt);
        Assert.Same(args.Error, provider.LastRefreshFailure);
        Assert.Same(original, await provider.GetHeadersAsync());
        Assert.Same(original, await provider.GetHeadersAsync());
        Assert.Single(_f.Server.RequestsTo("/oauth/token"));

        _f.Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Same(original, await provider.GetHeadersAsync());
        AuthHeaders refreshed = await WaitForNewHeadersAsync(provider, original);
        Assert.NotSame(original, refreshed);
        Assert.Null(provider.LastRefreshFailure);
    }

    [Theory]
    [InlineData("expired", CodexAuthFailureReason.RefreshTokenExpired)]
    [InlineData("invalid_grant", CodexAuthFailureReason.RefreshTokenRevoked)]
    [InlineData("401", CodexAuthFailureReason.RefreshTokenRevoked)]
    public async Task Permanent_failures_are_not_retried_and_are_remembered_until_the_store_changes(string fault, CodexAuthFailureReason expected)
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.MaxRefreshRetries = 3);
        await provider.GetHeadersAsync();
        switch (fault)
        {
            case "expired": _f.Server.TokenFaults.RefreshTokenExpired(times: 5); break;
            case "invalid_grant": _f.Server.TokenFaults.InvalidGrant(times: 5); break;
            default: _f.Server.TokenFaults.Unauthorized(times: 5); break;
        }

        _f.Time.Advance(TimeSpan.FromHours(2));
        var first = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        var second = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(expected, first.Reason);
        Assert.True(first.RequiresSignIn);
        Assert.Contains("codex login", first.Remediation, StringComparison.Ordinal);
        Assert.Equal(expected, second.Reason);
        Assert.Single(_f.Server.RequestsTo("/oauth/token"));

        // A new sign-in written to the store clears the remembered failure once the store's watch reports the change
        // (until then the remembered failure is answered without reading the store: PermanentFailureCostTests).
        _f.Server.TokenFaults.Clear();
        FakeSignIn again = _f.Server.SignIn(accountId: "acct_main");
        _f.WriteAuthJson(again.ToAuthJson(_f.Time.GetUtcNow()));
        AuthHeaders? renewed = null;
        Assert.True(await Eventually.TrueAsync(
            async () => (renewed = await provider.GetHeadersAsync()) is not null,
            TimeSpan.FromSeconds(30),
            ex => ex is CodexAuthException { Reason: var reason } && reason == expected));

        Assert.Equal("Bearer " + again.AccessToken, Authorization(renewed!));
        Assert.Single(_f.Server.RequestsTo("/oauth/token"));
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_polly_then_succeed()
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.MaxRefreshRetries = 3);
        _f.Server.TokenFaults.ServerError(times: 2);
        _f.Time.Advance(TimeSpan.FromHours(2));

        AuthHeaders headers = await provider.GetHeadersAsync();

        Assert.Equal("Bearer " + _f.Server.CurrentTokens("acct_main").AccessToken, Authorization(headers));
        Assert.Equal(3, _f.Server.RequestsTo("/oauth/token").Count);
    }

    [Fact]
    public async Task An_invalid_request_400_is_transient_and_surfaces_as_refresh_failed_when_expired()
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.MaxRefreshRetries = 0);
        _f.Server.TokenFaults.Respond(HttpStatusCode.BadRequest, """{"error":"invalid_request"}""");
        _f.Time.Advance(TimeSpan.FromHours(2));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        Assert.Equal(CodexAuthFailureReason.RefreshFailed, ex.Reason);

        // Not remembered: the next call tries again and succeeds.
        AuthHeaders headers = await provider.GetHeadersAsync();
        Assert.Equal("Bearer " + _f.Server.CurrentTokens("acct_main").AccessToken, Authorization(headers));
    }

    [Fact]
    public async Task Tokens_refreshed_by_another_process_are_adopted_without_a_post()
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.WatchStore = false);
        await provider.GetHeadersAsync();
        _f.Time.Advance(TimeSpan.FromHours(2));
        FakeSignIn other = _f.Server.SimulateRefreshByOtherClient("acct_main");
        int before = _f.Server.RequestsTo("/oauth/token").Count;
        _f.WriteAuthJson(other.ToAuthJson(_f.Time.GetUtcNow()));

        AuthHeaders headers = await provider.GetHeadersAsync();

        Assert.Equal("Bearer " + other.AccessToken, Authorization(headers));
        Assert.Equal(before, _f.Server.RequestsTo("/oauth/token").Count);
    }

    [Fact]
    public async Task A_store_rewritten_by_another_process_is_picked_up_without_a_restart()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        AuthHeaders original = await provider.GetHeadersAsync();
        FakeSignIn other = _f.Server.SimulateRefreshByOtherClient("acct_main");

        _f.WriteAuthJson(other.ToAuthJson(_f.Time.GetUtcNow()));
        AuthHeaders updated = await WaitForStoreNotificationAsync(provider, original);

        Assert.Equal("Bearer " + other.AccessToken, Authorization(updated));
        Assert.Equal(0, _f.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task A_provider_created_before_the_first_sign_in_follows_the_store_once_it_appears()
    {
        string home = Path.Combine(_f.Home.Path, "not-yet");
        ChatGptTokenProvider provider = _f.CreateProvider(o =>
        {
            o.CodexHome = null;
            o.CredentialStore = new Codex.Auth.Storage.FileCredentialStore(home);
        });
        var notSignedIn = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        Assert.Equal(CodexAuthFailureReason.NotSignedIn, notSignedIn.Reason);

        // `codex login` creates the directory and the file; later the Codex CLI refreshes and rewrites it.
        Directory.CreateDirectory(home);
        File.WriteAllText(Path.Combine(home, "auth.json"), _f.SignIn.ToAuthJson(_f.Time.GetUtcNow()));
        AuthHeaders first = await provider.GetHeadersAsync();
        FakeSignIn cli = _f.Server.SimulateRefreshByOtherClient("acct_main");
        File.WriteAllText(Path.Combine(home, "auth.json"), cli.ToAuthJson(_f.Time.GetUtcNow()));

        AuthHeaders updated = await WaitForStoreNotificationAsync(provider, first);
        Assert.Equal("Bearer " + cli.AccessToken, Authorization(updated));
    }

    [Fact]
    public async Task Another_account_in_the_store_is_a_permanent_account_mismatch()
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.WatchStore = false);
        await provider.GetHeadersAsync();
        FakeSignIn someoneElse = _f.Server.SignIn(accountId: "acct_other");
        _f.WriteAuthJson(someoneElse.ToAuthJson(_f.Time.GetUtcNow()));
        _f.Time.Advance(TimeSpan.FromHours(2));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.AccountMismatch, ex.Reason);
        Assert.Contains("another account", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_f.Server.RequestsTo("/oauth/token"));
    }

    [Fact]
    public async Task Refresh_token_reused_then_adopts_what_the_other_program_writes()
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.ReusedTokenGracePeriod = TimeSpan.FromSeconds(5));
        await provider.GetHeadersAsync();
        _f.Time.Advance(TimeSpan.FromHours(2));

        // The Codex CLI spends the token without the lock, and writes its result a little later.
        FakeSignIn cli = _f.Server.SimulateRefreshByOtherClient("acct_main");
        Task<AuthHeaders> pending = provider.GetHeadersAsync().AsTask();
        while (!_f.Server.RequestsTo("/oauth/token").Any() && !pending.IsCompleted)
        {
            await Task.Yield();
        }

        Assert.False(pending.IsCompleted);
        _f.WriteAuthJson(cli.ToAuthJson(_f.Time.GetUtcNow()));
        AuthHeaders headers = await pending.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("Bearer " + cli.AccessToken, Authorization(headers));
        Assert.Null(provider.LastRefreshFailure);
    }

    [Fact]
    public async Task Refresh_token_reused_with_nothing_newer_is_permanent()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        await provider.GetHeadersAsync();
        _f.Time.Advance(TimeSpan.FromHours(2));
        _f.Server.SimulateRefreshByOtherClient("acct_main");

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.RefreshTokenReused, ex.Reason);
        Assert.Equal(CodexAuthFailureReason.RefreshTokenReused, (await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask())).Reason);
        Assert.Single(_f.Server.RequestsTo("/oauth/token"));
    }

    [Fact]
    public async Task A_401_refreshes_once_with_unauthorized_recovery_and_the_retry_succeeds()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        HttpClient client = _f.CreateClient(provider);
        _f.Server.BackendFaults.Unauthorized(times: 1);

        using HttpResponseMessage response = await client.PostAsync("responses", new StringContent("""{"input":"hi"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["unauthorized_recovery"], _f.Server.RefreshReasons);
        IReadOnlyList<RecordedRequest> calls = _f.Server.RequestsTo("/backend-api/codex/responses");
        Assert.Equal(2, calls.Count);
        Assert.Equal("Bearer " + _f.SignIn.AccessToken, calls[0].Header("Authorization"));
        Assert.Equal("Bearer " + _f.Server.CurrentTokens("acct_main").AccessToken, calls[1].Header("Authorization"));
    }

    [Fact]
    public async Task A_401_first_reloads_the_store_and_retries_without_refreshing_when_the_token_changed()
    {
        ChatGptTokenProvider provider = _f.CreateProvider(o => o.WatchStore = false);
        HttpClient client = _f.CreateClient(provider);
        await provider.GetHeadersAsync();
        FakeSignIn other = _f.Server.SimulateRefreshByOtherClient("acct_main");
        _f.WriteAuthJson(other.ToAuthJson(_f.Time.GetUtcNow()));

        using HttpResponseMessage response = await client.GetAsync("models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_f.Server.RefreshReasons);
        Assert.Equal(2, _f.Server.RequestsTo("/backend-api/codex/models").Count);
    }

    [Fact]
    public async Task A_persistent_401_is_returned_after_one_recovery()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        HttpClient client = _f.CreateClient(provider);
        _f.Server.BackendFaults.Unauthorized(times: 10);

        using HttpResponseMessage response = await client.GetAsync("models");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(2, _f.Server.RequestsTo("/backend-api/codex/models").Count);
        Assert.Equal(1, _f.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task Unknown_fields_survive_a_refresh_and_the_file_stays_0600()
    {
        JsonObject doc = (JsonObject)JsonNode.Parse(_f.SignIn.ToAuthJson(_f.Time.GetUtcNow()))!;
        doc["future_field"] = new JsonObject { ["nested"] = new JsonArray(1, 2, 3) };
        ((JsonObject)doc["tokens"]!)["token_extra"] = "kept";
        _f.WriteAuthJson(doc.ToJsonString());
        ChatGptTokenProvider provider = _f.CreateProvider();
        _f.Time.Advance(TimeSpan.FromHours(2));

        await provider.GetHeadersAsync();

        JsonObject stored = _f.ReadAuthJson();
        Assert.True(JsonNode.DeepEquals(doc["future_field"], stored["future_field"]));
        Assert.Equal("kept", (string?)stored["tokens"]!["token_extra"]);
        Assert.Equal("chatgpt", (string?)stored["auth_mode"]);
        Assert.True(stored.ContainsKey("OPENAI_API_KEY"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_f.AuthPath));
        Assert.Empty(Directory.GetFiles(_f.Home.Path, ".auth-*"));
    }

    [Fact]
    public async Task A_malformed_store_is_left_byte_for_byte_unchanged()
    {
        byte[] broken = "{\"auth_mode\":\"chatgpt\",\"tokens\":{\"access_token\":\"abc\""u8.ToArray();
        File.WriteAllBytes(_f.AuthPath, broken);
        ChatGptTokenProvider provider = _f.CreateProvider();
        _f.Time.Advance(TimeSpan.FromHours(2));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        await Assert.ThrowsAsync<CodexAuthException>(() => provider.RecoverAsync(new AuthHeaders("Bearer", "abc")).AsTask());

        Assert.Equal(CodexAuthFailureReason.MalformedStore, ex.Reason);
        Assert.Contains(_f.AuthPath, ex.Message, StringComparison.Ordinal);
        Assert.Equal(broken, File.ReadAllBytes(_f.AuthPath));
        Assert.Equal(0, _f.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task Export_refreshes_first_inside_the_window_and_never_exposes_the_refresh_token()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        _f.Time.Advance(TimeSpan.FromMinutes(57));

        ExportedAccessToken exported = await provider.ExportAccessTokenAsync();

        FakeSignIn current = _f.Server.CurrentTokens("acct_main");
        Assert.Equal(current.AccessToken, exported.Reveal());
        Assert.Equal(current.AccessTokenExpiresAt.ToUnixTimeSeconds(), exported.ExpiresAt!.Value.ToUnixTimeSeconds());
        Assert.Equal("acct_main", exported.AccountId);
        Assert.DoesNotContain(current.AccessToken, exported.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(current.RefreshToken, System.Text.Json.JsonSerializer.Serialize(exported), StringComparison.Ordinal);
        Assert.Equal(1, _f.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task A_local_clock_hours_ahead_of_the_server_refreshes_once_not_on_every_request()
    {
        var aheadClock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(_f.Time.GetUtcNow().AddHours(3));
        using var provider = new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions { CodexHome = _f.Home.Path, RefreshTokenUrl = _f.Server.TokenEndpoint, RefreshRetryDelay = TimeSpan.Zero },
            aheadClock,
            _f.RefreshHttp,
            CodexEnvironment.FromValues(new Dictionary<string, string?>()));

        for (int i = 0; i < 20; i++)
        {
            await provider.GetHeadersAsync();
        }

        Assert.Equal(1, _f.Server.TokenRefreshCount);
        Assert.True(provider.GetHeadersAsync().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Session_reports_identity_without_secrets()
    {
        ChatGptTokenProvider provider = _f.CreateProvider();
        ChatGptSession session = await provider.GetSessionAsync();

        Assert.Equal("acct_main", session.AccountId);
        Assert.Equal("dev@example.com", session.Identity.Email);
        Assert.Equal("plus", session.Identity.PlanType);
        Assert.Equal(_f.SignIn.AccessTokenExpiresAt.ToUnixTimeSeconds(), session.AccessTokenExpiresAt!.Value.ToUnixTimeSeconds());
        Assert.Equal(_f.SignIn.AccessTokenExpiresAt.AddMinutes(-5).ToUnixTimeSeconds(), session.RefreshDueAt.ToUnixTimeSeconds());
        Assert.DoesNotContain(_f.SignIn.AccessToken, session.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_f.SignIn.AccessToken, provider.ToString(), StringComparison.Ordinal);
    }

    private static async Task<AuthHeaders> WaitForNewHeadersAsync(ChatGptTokenProvider provider, AuthHeaders old)
    {
        var refreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.Refreshed += (_, e) => refreshed.TrySetResult();
        AuthHeaders current = await provider.GetHeadersAsync();
        if (current.HasSameCredential(old))
        {
            // No polling: wait for the provider to say a refresh completed (or for the store change it watches).
            await refreshed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            current = await provider.GetHeadersAsync();
        }

        Assert.False(current.HasSameCredential(old));
        return current;
    }

    /// <summary>
    /// Waits for the operating system's file notification (inotify) to reach the provider's store watch. There is no
    /// in-process event to wait on for another process's write, so this re-checks every few milliseconds, bounded.
    /// </summary>
    private static async Task<AuthHeaders> WaitForStoreNotificationAsync(ChatGptTokenProvider provider, AuthHeaders old)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            AuthHeaders current = await provider.GetHeadersAsync();
            if (!current.HasSameCredential(old))
            {
                return current;
            }

            await Task.Delay(5, timeout.Token);
        }
    }
}
