using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>When to refresh: pure functions of a snapshot and a time, judged with a fake clock and with the system clock.</summary>
public sealed class RefreshPolicyTests
{
    private static readonly RefreshPolicy Policy = new(TimeSpan.FromMinutes(5), TimeSpan.FromDays(8));

    private static TokenState State(DateTimeOffset? issuedAt, DateTimeOffset? expires, DateTimeOffset lastRefresh, DateTimeOffset now)
    {
        var claims = new JsonObject();
        if (issuedAt is { } iat)
        {
            claims["iat"] = iat.ToUnixTimeSeconds();
        }

        if (expires is { } exp)
        {
            claims["exp"] = exp.ToUnixTimeSeconds();
        }

        CodexAuthDocument document = CodexAuthDocument.CreateChatGpt(string.Empty, TestJwt.Create(claims), "refresh-token", "acct_policy", lastRefresh);
        return Policy.ToState(document, "memory", now);
    }

    [Fact]
    public void With_a_fake_clock_a_token_is_served_then_refreshed_ahead_in_the_background_then_waited_for()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        DateTimeOffset start = time.GetUtcNow();
        TokenState state = State(start, start.AddHours(1), start, start);

        Assert.Equal(start.AddMinutes(55), state.RefreshAt);
        Assert.Equal(RefreshDecision.Serve, RefreshPolicy.Decide(state, time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(55) - TimeSpan.FromTicks(1));
        Assert.Equal(RefreshDecision.Serve, RefreshPolicy.Decide(state, time.GetUtcNow()));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(RefreshDecision.ServeAndRefreshInBackground, RefreshPolicy.Decide(state, time.GetUtcNow()));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(RefreshDecision.RefreshAndWait, RefreshPolicy.Decide(state, time.GetUtcNow()));
    }

    [Fact]
    public void With_the_system_clock_the_same_decisions_hold()
    {
        DateTimeOffset now = TimeProvider.System.GetUtcNow();

        Assert.Equal(RefreshDecision.Serve, RefreshPolicy.Decide(State(now.AddMinutes(-1), now.AddHours(1), now, now), TimeProvider.System.GetUtcNow()));
        Assert.Equal(RefreshDecision.ServeAndRefreshInBackground, RefreshPolicy.Decide(State(now.AddHours(-1), now.AddMinutes(2), now.AddHours(-1), now), TimeProvider.System.GetUtcNow()));
        Assert.Equal(RefreshDecision.RefreshAndWait, RefreshPolicy.Decide(State(now.AddHours(-2), now.AddHours(-1), now.AddHours(-2), now), TimeProvider.System.GetUtcNow()));
    }

    [Fact]
    public void A_short_lived_token_refreshes_at_half_its_lifetime_and_one_without_exp_eight_days_after_last_refresh()
    {
        DateTimeOffset t = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(t.AddMinutes(2), State(t, t.AddMinutes(4), t, t).RefreshAt);
        TokenState noExp = State(null, null, t, t);
        Assert.Equal(t.AddDays(8), noExp.RefreshAt);
        Assert.Equal(RefreshDecision.Serve, RefreshPolicy.Decide(noExp, t.AddDays(8).AddTicks(-1)));
        Assert.Equal(RefreshDecision.RefreshAndWait, RefreshPolicy.Decide(noExp, t.AddDays(8)));
    }

    [Fact]
    public void A_remembered_permanent_failure_decides_before_any_time()
    {
        DateTimeOffset t = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
        var failure = new CodexAuthException(CodexAuthFailureReason.RefreshTokenReused, "reused", CodexAuthException.SignInAgain);
        TokenState failed = State(t, t.AddHours(1), t, t).WithFailure(failure);

        Assert.Equal(RefreshDecision.Fail, RefreshPolicy.Decide(failed, t));
        Assert.True(RefreshPolicy.IsPermanent(failure));
        Assert.True(RefreshPolicy.IsPermanent(new CodexAuthException(CodexAuthFailureReason.AccountMismatch, "other", "restart")));
        Assert.False(RefreshPolicy.IsPermanent(new CodexAuthException(CodexAuthFailureReason.RefreshFailed, "5xx", "retry")));
        Assert.False(RefreshPolicy.IsPermanent(new IOException()));
    }

    [Theory]
    [InlineData(null, "NotSignedIn")]
    [InlineData("""{"OPENAI_API_KEY":"sk-x"}""", "UnsupportedMode")]
    [InlineData("""{"auth_mode":"chatgpt","OPENAI_API_KEY":null}""", "NotSignedIn")]
    public void A_document_that_is_not_a_usable_sign_in_is_a_typed_error(string? json, string reason)
    {
        CodexAuthDocument? document = json is null ? null : CodexAuthDocument.Parse(json, "test");

        var ex = Assert.Throws<CodexAuthException>(() => Policy.ToState(document, "memory", DateTimeOffset.UnixEpoch));
        Assert.Equal(reason, ex.Reason.ToString());
    }
}
