using System.Net;
using Codex.Auth.ChatGpt;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>What a successful refresh answer may and may not change.</summary>
public sealed class RefreshAnswerTests
{
    [Fact]
    public async Task A_200_answer_without_access_token_does_not_move_the_current_tokens_expiry()
    {
        await using ChatGptFixture f = await ChatGptFixture.StartAsync();
        ChatGptTokenProvider provider = f.CreateProvider();
        ChatGptSession before = await provider.GetSessionAsync();
        f.Time.Advance(TimeSpan.FromHours(2)); // the local clock now runs 2 h past the token's iat: skew correction would apply
        f.Server.TokenFaults.Respond(HttpStatusCode.OK, """{"refresh_token":"rt-rotated-only"}""");

        _ = await provider.GetHeadersAsync();
        ChatGptSession after = await provider.GetSessionAsync();
        ChatGptSession fromFile = await f.CreateProvider().GetSessionAsync();

        Assert.Equal(1, f.Server.TokenRefreshCount);
        Assert.Equal(before.AccessTokenExpiresAt, after.AccessTokenExpiresAt);
        Assert.Equal("rt-rotated-only", (string?)f.ReadAuthJson()["tokens"]!["refresh_token"]);
        Assert.Equal(fromFile.AccessTokenExpiresAt, after.AccessTokenExpiresAt);
    }
}
