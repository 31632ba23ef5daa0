using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Diagnostics;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codex.Auth.Tests.Diagnostics;

/// <summary><see cref="CodexAuthHealthCheck"/>: healthy, degraded (refresh failing, token valid), unhealthy (needs sign-in), on a fake clock.</summary>
public sealed class CodexAuthHealthCheckTests
{
    [Fact]
    public async Task A_fresh_sign_in_is_healthy_with_its_expiry_and_no_secret()
    {
        await using ChatGptFixture fixture = await ChatGptFixture.StartAsync();
        ChatGptTokenProvider provider = fixture.CreateProvider();

        HealthCheckResult result = await new CodexAuthHealthCheck(provider, fixture.Time).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("ChatGpt", result.Data[CodexAuthHealthCheck.KindKey]);
        Assert.Equal(fixture.SignIn.AccessTokenExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), result.Data[CodexAuthHealthCheck.ExpiresAtKey]);
        Assert.False(result.Data.ContainsKey(CodexAuthHealthCheck.FailureReasonKey));
        Assert.DoesNotContain(fixture.SignIn.AccessToken, result.Description + string.Join(',', result.Data.Values), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_refresh_with_a_valid_token_is_degraded_and_a_success_makes_it_healthy_again()
    {
        await using ChatGptFixture fixture = await ChatGptFixture.StartAsync();
        ChatGptTokenProvider provider = fixture.CreateProvider();
        _ = await provider.GetHeadersAsync();
        var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.BackgroundRefreshFailed += (_, _) => failed.TrySetResult();
        fixture.Server.TokenFaults.ServerError(times: 100);
        fixture.Time.Advance(TimeSpan.FromMinutes(57)); // inside the 5-minute refresh window, 3 minutes left
        _ = await provider.GetHeadersAsync(); // starts the background refresh, which fails
        await failed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var check = new CodexAuthHealthCheck(provider, fixture.Time);

        HealthCheckResult degraded = await check.CheckHealthAsync(new HealthCheckContext());
        fixture.Server.TokenFaults.Clear();
        _ = await provider.RecoverAsync(await provider.GetHeadersAsync()); // a successful refresh
        HealthCheckResult healthy = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Equal(nameof(CodexAuthFailureReason.RefreshFailed), degraded.Data[CodexAuthHealthCheck.FailureReasonKey]);
        Assert.Contains("stays valid until", degraded.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
    }

    [Fact]
    public async Task An_expired_token_that_cannot_be_renewed_is_unhealthy_and_says_to_sign_in()
    {
        await using ChatGptFixture fixture = await ChatGptFixture.StartAsync();
        ChatGptTokenProvider provider = fixture.CreateProvider();
        _ = await provider.GetHeadersAsync();
        fixture.Server.TokenFaults.RefreshTokenExpired(times: 100);
        fixture.Time.Advance(TimeSpan.FromHours(2));

        HealthCheckResult result = await new CodexAuthHealthCheck(provider, fixture.Time).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(nameof(CodexAuthFailureReason.RefreshTokenExpired), result.Data[CodexAuthHealthCheck.FailureReasonKey]);
        Assert.Contains("codex login", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_sign_in_is_unhealthy()
    {
        using var home = new TempDirectory();
        using var provider = new ChatGptTokenProvider(new ChatGptTokenProviderOptions { CodexHome = home.Path }, TimeProvider.System, httpClient: null, CodexEnvironment.FromValues(new Dictionary<string, string?>()));

        HealthCheckResult result = await new CodexAuthHealthCheck(provider).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(nameof(CodexAuthFailureReason.NotSignedIn), result.Data[CodexAuthHealthCheck.FailureReasonKey]);
    }

    [Fact]
    public async Task An_api_key_is_healthy()
    {
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions { ApiKey = "sk-health-check-test-key", UseEnvironment = false, UseCredentialStore = false });

        HealthCheckResult result = await new CodexAuthHealthCheck(provider).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("ApiKey", result.Data[CodexAuthHealthCheck.KindKey]);
        Assert.DoesNotContain("sk-health-check-test-key", result.Description + string.Join(',', result.Data.Values), StringComparison.Ordinal);
    }
}
