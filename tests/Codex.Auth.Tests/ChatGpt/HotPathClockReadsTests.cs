using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>Issue 11: the cached path reads the wall clock at most once per request — with a fake clock too, as in production.</summary>
public sealed class HotPathClockReadsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_cached_chatgpt_token_is_served_with_at_most_one_wall_clock_read_per_request_and_none_inside_the_window()
    {
        var time = new CountingTimeProvider(Now);
        string access = TestJwt.Create(new JsonObject { ["iat"] = Now.ToUnixTimeSeconds(), ["exp"] = Now.AddHours(1).ToUnixTimeSeconds() });
        var store = new InMemoryCredentialStore(CodexAuthDocument.CreateChatGpt(string.Empty, access, "refresh-token-hot-path", "acct_hot", Now));
        using var provider = new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions { CredentialStore = store, WatchStore = false, RefreshTokenUrl = new Uri("http://127.0.0.1:9/oauth/token") },
            time,
            environment: CodexEnvironment.FromValues(new Dictionary<string, string?>()));
        AuthHeaders first = await provider.GetHeadersAsync();

        int reads = time.WallClockReads;
        for (int i = 0; i < 1000; i++)
        {
            int before = time.WallClockReads;
            ValueTask<AuthHeaders> next = provider.GetHeadersAsync();
            Assert.True(next.IsCompletedSuccessfully);
            Assert.Same(first, next.Result);
            Assert.True(time.WallClockReads - before <= 1);
        }

        Assert.True(time.WallClockReads - reads <= 1, $"{time.WallClockReads - reads} wall-clock reads for 1000 requests inside one clock-free second");
        time.Advance(TimeSpan.FromSeconds(1));
        reads = time.WallClockReads;
        Assert.Same(first, await provider.GetHeadersAsync());
        Assert.Equal(1, time.WallClockReads - reads);
    }
}
