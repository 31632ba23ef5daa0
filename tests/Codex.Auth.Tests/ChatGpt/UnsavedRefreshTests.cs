using System.Net;
using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Diagnostics;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Diagnostics;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>
/// Issue 12 item 1: the refresh POST succeeded (the old refresh token is spent) but the new tokens could not be written.
/// The provider must keep working on the new tokens, never send the spent refresh token again, retry the save, and say so.
/// </summary>
public sealed class UnsavedRefreshTests : IAsyncLifetime
{
    private const int SaveFailedEvent = 24;
    private const int SaveRecoveredEvent = 25;
    private const int SupersededEvent = 26;

    private ChatGptFixture _f = null!;
    private FailingSaveStore _store = null!;
    private TelemetryCapture _capture = null!;
    private SignalingLogger<ChatGptTokenProvider> _log = null!;

    public async Task InitializeAsync()
    {
        _f = await ChatGptFixture.StartAsync();
        _store = new FailingSaveStore(_f.Home.Path);
        _capture = new TelemetryCapture();
        _log = new SignalingLogger<ChatGptTokenProvider>(_capture.Logger<ChatGptTokenProvider>());
    }

    public async Task DisposeAsync()
    {
        _capture.Dispose();
        await _f.DisposeAsync();
    }

    private ChatGptTokenProvider CreateProvider(Codex.Auth.Storage.ICodexCredentialStore? store = null)
    {
        var options = new ChatGptTokenProviderOptions
        {
            CredentialStore = store ?? _store,
            RefreshTokenUrl = _f.Server.TokenEndpoint,
            BaseUrl = _f.Server.CodexBaseUrl,
            RefreshRetryDelay = TimeSpan.Zero,
            ReusedTokenGracePeriod = TimeSpan.Zero,
        };
        return new ChatGptTokenProvider(options, _f.Time, _f.RefreshHttp, CodexEnvironment.FromValues(new Dictionary<string, string?>()), _log);
    }

    private string StoredRefreshToken() => (string)_f.ReadAuthJson()["tokens"]!["refresh_token"]!;

    private List<string> RefreshTokensPosted() =>
        [.. _f.Server.RequestsTo("/oauth/token").Select(r => (string)JsonNode.Parse(r.Body)!["refresh_token"]!)];

    private async Task<string?> ModelsAsAsync(HttpClient client)
    {
        using HttpResponseMessage response = await client.GetAsync("models");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return _f.Server.RequestsTo("/backend-api/codex/models")[^1].Header("Authorization");
    }

    [Fact]
    public async Task A_refresh_whose_save_fails_serves_the_new_tokens_and_the_next_refresh_spends_the_new_refresh_token()
    {
        _store.FailNextSaves(int.MaxValue);
        using ChatGptTokenProvider provider = CreateProvider();
        var failures = new List<RefreshFailedEventArgs>();
        provider.SaveFailed += (_, e) => failures.Add(e);
        HttpClient client = _f.CreateClient(provider);
        await ModelsAsAsync(client);
        _f.Time.Advance(TimeSpan.FromHours(2)); // expired: the next request refreshes in the foreground

        string? used = await ModelsAsAsync(client);

        FakeSignIn first = _f.Server.CurrentTokens("acct_main");
        Assert.Equal("Bearer " + first.AccessToken, used);
        Assert.Equal(_f.SignIn.RefreshToken, StoredRefreshToken()); // the store still holds the spent token
        CodexAuthException pending = Assert.IsType<CodexAuthException>(provider.PendingSaveFailure);
        Assert.Equal(CodexAuthFailureReason.StoreUnavailable, pending.Reason);
        Assert.Contains("could not be saved", pending.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(pending.InnerException);
        Assert.Null(provider.LastRefreshFailure); // the refresh itself succeeded
        RefreshFailedEventArgs failed = Assert.Single(failures);
        Assert.Same(pending, failed.Error);
        Assert.Equal(_f.Time.GetUtcNow() + TimeSpan.FromSeconds(1), failed.NextAttemptAt);
        Assert.Contains(_capture.Measurements, m => m.Instrument == CodexAuthTelemetry.StoreSaveFailuresInstrumentName && m.Tags.Contains("StoreUnavailable", StringComparison.Ordinal));
        Assert.Equal(1, _log.Count(SaveFailedEvent));
        HealthCheckResult health = await new CodexAuthHealthCheck(provider, _f.Time).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("served from memory", health.Description, StringComparison.Ordinal);

        // Requests keep using the new token; the next refresh spends the NEW refresh token, never the spent one.
        Assert.Equal("Bearer " + first.AccessToken, await ModelsAsAsync(client));
        _f.Time.Advance(TimeSpan.FromHours(2));
        string? second = await ModelsAsAsync(client);

        Assert.Equal("Bearer " + _f.Server.CurrentTokens("acct_main").AccessToken, second);
        Assert.Equal([_f.SignIn.RefreshToken, first.RefreshToken], RefreshTokensPosted());
        Assert.Equal(["proactive_expiry", "proactive_expiry"], _f.Server.RefreshReasons);
        Assert.Equal(_f.SignIn.RefreshToken, StoredRefreshToken());
        Assert.NotNull(provider.PendingSaveFailure);
        FakeSignIn current = _f.Server.CurrentTokens("acct_main");
        _capture.AssertContainsNone([_f.SignIn.AccessToken, _f.SignIn.RefreshToken, first.AccessToken, first.RefreshToken, current.AccessToken, current.RefreshToken]);
        foreach (string secret in new[] { _f.SignIn.RefreshToken, first.AccessToken, first.RefreshToken, current.AccessToken, current.RefreshToken })
        {
            Assert.DoesNotContain(secret, pending.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_save_is_retried_with_backoff_and_its_recovery_is_reported()
    {
        _store.FailNextSaves(2);
        using ChatGptTokenProvider provider = CreateProvider();
        var failures = new List<DateTimeOffset>();
        provider.SaveFailed += (_, e) => failures.Add(e.NextAttemptAt);
        HttpClient client = _f.CreateClient(provider);
        _f.Time.Advance(TimeSpan.FromHours(2));
        await ModelsAsAsync(client);
        DateTimeOffset failedAt = _f.Time.GetUtcNow();
        Assert.Equal(1, _store.SaveAttempts);

        _f.Time.Advance(TimeSpan.FromSeconds(1)); // first retry: fails again, next one 2 s later
        await _log.WaitForAsync(SaveFailedEvent, 2);
        Assert.Equal(2, _store.SaveAttempts);
        Assert.Equal([failedAt + TimeSpan.FromSeconds(1), failedAt + TimeSpan.FromSeconds(3)], failures);

        _f.Time.Advance(TimeSpan.FromSeconds(1)); // not due yet
        Assert.Equal(2, _store.SaveAttempts);
        _f.Time.Advance(TimeSpan.FromSeconds(1)); // second retry: lands
        await _log.WaitForAsync(SaveRecoveredEvent);

        FakeSignIn current = _f.Server.CurrentTokens("acct_main");
        Assert.Equal(current.RefreshToken, StoredRefreshToken());
        Assert.Equal(current.AccessToken, (string)_f.ReadAuthJson()["tokens"]!["access_token"]!);
        Assert.Null(provider.PendingSaveFailure);
        Assert.Equal(3, _store.SaveAttempts);
        Assert.Contains(_capture.Measurements, m => m.Instrument == CodexAuthTelemetry.StoreSaveRecoveriesInstrumentName);
        Assert.Contains(_capture.Logs, l => l.Contains("after 2 failed attempts", StringComparison.Ordinal));
        HealthCheckResult health = await new CodexAuthHealthCheck(provider, _f.Time).CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, health.Status);

        // Nothing is retried any more, and the next refresh starts from the saved tokens.
        _f.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(3, _store.SaveAttempts);
        _f.Time.Advance(TimeSpan.FromHours(2));
        await ModelsAsAsync(client);
        Assert.Equal([_f.SignIn.RefreshToken, current.RefreshToken], RefreshTokensPosted());
        Assert.Equal(_f.Server.CurrentTokens("acct_main").RefreshToken, StoredRefreshToken());
    }

    [Fact]
    public async Task While_the_save_is_pending_rereading_the_spent_tokens_changes_nothing_but_a_new_sign_in_wins()
    {
        _store.FailNextSaves(int.MaxValue);
        using ChatGptTokenProvider provider = CreateProvider();
        _f.Time.Advance(TimeSpan.FromHours(2));
        HttpClient client = _f.CreateClient(provider);
        await ModelsAsAsync(client);
        FakeSignIn unsaved = _f.Server.CurrentTokens("acct_main");

        // Export always re-reads the store; the store still holds the spent lineage, which must not replace the unsaved one.
        ExportedAccessToken exported = await provider.ExportAccessTokenAsync();
        Assert.Equal(unsaved.AccessToken, exported.Reveal());
        Assert.True(await provider.RecoverAsync(new AuthHeaders("Bearer", _f.SignIn.AccessToken, "acct_main", false)));
        Assert.Equal(1, _f.Server.TokenRefreshCount);

        // Someone signs in again (codex login): written after the spent tokens, so it is newer and wins.
        FakeSignIn again = _f.Server.SignIn(accountId: "acct_main");
        _f.WriteAuthJson(again.ToAuthJson(_f.Time.GetUtcNow()));
        exported = await provider.ExportAccessTokenAsync();

        Assert.Equal(again.AccessToken, exported.Reveal());
        Assert.Null(provider.PendingSaveFailure);
        Assert.Equal(1, _log.Count(SupersededEvent));
        Assert.Equal("Bearer " + again.AccessToken, await ModelsAsAsync(client));
        int attempts = _store.SaveAttempts;
        _f.Time.Advance(TimeSpan.FromMinutes(10)); // no retry overwrites the new sign-in
        Assert.Equal(attempts, _store.SaveAttempts);
        Assert.Equal(again.RefreshToken, StoredRefreshToken());
    }

    [Fact]
    public async Task Another_process_reading_the_store_while_the_save_is_pending_finds_a_spent_token_until_the_save_lands()
    {
        _store.FailNextSaves(1);
        using ChatGptTokenProvider provider = CreateProvider();
        _f.Time.Advance(TimeSpan.FromHours(2));
        await provider.GetHeadersAsync();
        Assert.NotNull(provider.PendingSaveFailure);

        // What a second process sees meanwhile: the spent refresh token; the server refuses it and it must sign in again.
        using ChatGptTokenProvider other = CreateProvider(new Codex.Auth.Storage.FileCredentialStore(_f.Home.Path));
        var reused = await Assert.ThrowsAsync<CodexAuthException>(() => other.GetHeadersAsync().AsTask());
        Assert.Equal(CodexAuthFailureReason.RefreshTokenReused, reused.Reason);
        Assert.True(reused.RequiresSignIn);

        // That refusal does not touch the first provider's tokens; once its save lands, a new process simply reads them.
        _f.Time.Advance(TimeSpan.FromSeconds(1));
        await _log.WaitForAsync(SaveRecoveredEvent);
        using ChatGptTokenProvider later = CreateProvider(new Codex.Auth.Storage.FileCredentialStore(_f.Home.Path));
        Assert.Equal(AuthHeaders.FingerprintOf(_f.Server.CurrentTokens("acct_main").AccessToken), (await later.GetHeadersAsync()).Fingerprint);
        Assert.Equal(2, _f.Server.TokenRefreshCount); // ours, and the other process's refused one
    }
}
