using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Codex.Auth.Testing;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>
/// With <see cref="TimeProvider.System"/> the cached path skips the wall clock between checks (a coarse tick count
/// instead); these tests pin that it still serves, refreshes ahead and adopts a refreshed token like the exact path.
/// </summary>
public sealed class SystemClockHotPathTests : IAsyncLifetime
{
    private FakeCodexServer _server = null!;
    private readonly HttpClient _refreshHttp = new();

    public async Task InitializeAsync() => _server = await FakeCodexServer.StartAsync();

    public async Task DisposeAsync()
    {
        _refreshHttp.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_fresh_token_is_served_from_the_snapshot_without_refreshing()
    {
        FakeSignIn signIn = _server.SignIn("acct_sys");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using ChatGptTokenProvider provider = Provider(signIn, AccessToken(now.AddMinutes(-1), now.AddHours(1)));

        AuthHeaders first = await provider.GetHeadersAsync();
        for (int i = 0; i < 10_000; i++)
        {
            ValueTask<AuthHeaders> next = provider.GetHeadersAsync();
            Assert.True(next.IsCompletedSuccessfully);
            Assert.Same(first, next.Result);
        }

        Assert.Equal(0, _server.TokenRefreshCount);
    }

    [Fact]
    public async Task Inside_the_refresh_window_one_background_refresh_runs_and_its_token_is_adopted()
    {
        FakeSignIn signIn = _server.SignIn("acct_sys");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        string old = AccessToken(now.AddHours(-1), now.AddMinutes(2));
        using ChatGptTokenProvider provider = Provider(signIn, old);

        AuthHeaders current = await provider.GetHeadersAsync();
        Assert.True(current.HasSameCredential(new AuthHeaders("Bearer", old)));

        // Served without waiting while the refresh runs; then the refreshed token replaces it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        AuthHeaders latest = current;
        while (latest.HasSameCredential(current))
        {
            timeout.Token.ThrowIfCancellationRequested();
            ValueTask<AuthHeaders> next = provider.GetHeadersAsync();
            Assert.True(next.IsCompletedSuccessfully);
            latest = next.Result;
            await Task.Yield();
        }

        Assert.Equal(1, _server.TokenRefreshCount);
        Assert.True(latest.HasSameCredential(new AuthHeaders("Bearer", _server.CurrentTokens("acct_sys").AccessToken)));
    }

    [Fact]
    public void ApplyTo_still_removes_a_caller_supplied_account_header_when_there_is_no_authorization()
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("ChatGPT-Account-ID", "acct_caller");
        request.Headers.TryAddWithoutValidation("X-OpenAI-Fedramp", "true");

        new AuthHeaders("Bearer", "sk-key").ApplyTo(request.Headers);

        Assert.Equal(["Bearer sk-key"], request.Headers.GetValues("Authorization"));
        Assert.False(request.Headers.Contains("ChatGPT-Account-ID"));
        Assert.False(request.Headers.Contains("X-OpenAI-Fedramp"));
    }

    [Fact]
    public void ApplyTo_on_a_retry_replaces_its_own_headers()
    {
        using var request = new HttpRequestMessage();
        new AuthHeaders("Bearer", "one", "acct_1", isFedRamp: true).ApplyTo(request.Headers);

        new AuthHeaders("Bearer", "two").ApplyTo(request.Headers);

        Assert.Equal(["Bearer two"], request.Headers.GetValues("Authorization"));
        Assert.False(request.Headers.Contains("ChatGPT-Account-ID"));
        Assert.False(request.Headers.Contains("X-OpenAI-Fedramp"));
    }

    private ChatGptTokenProvider Provider(FakeSignIn signIn, string accessToken) =>
        new(
            new ChatGptTokenProviderOptions
            {
                CredentialStore = new InMemoryCredentialStore(CodexAuthDocument.CreateChatGpt(signIn.IdToken, accessToken, signIn.RefreshToken, signIn.AccountId, DateTimeOffset.UtcNow.AddHours(-1))),
                WatchStore = false,
                RefreshTokenUrl = _server.TokenEndpoint,
                ClientId = _server.ClientId,
                RefreshRetryDelay = TimeSpan.Zero,
            },
            timeProvider: null,
            httpClient: _refreshHttp);

    private static string AccessToken(DateTimeOffset issuedAt, DateTimeOffset expires)
    {
        var payload = new JsonObject { ["iat"] = issuedAt.ToUnixTimeSeconds(), ["exp"] = expires.ToUnixTimeSeconds() };
        return $"{B64("{\"alg\":\"none\"}")}.{B64(payload.ToJsonString())}.{B64("sig")}";
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
