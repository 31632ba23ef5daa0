using Codex.Auth.Storage;

namespace Codex.Auth.ChatGpt;

/// <summary>An immutable snapshot of one credential version, read without locks on the hot path.</summary>
internal sealed class TokenState
{
    // Environment.TickCount64 (ms) before which the headers may be served without reading the wall clock; 0 = read it.
    private long _servableUntilTick;

    public TokenState(CodexAuthDocument document, CodexTokens tokens, AuthHeaders headers, ChatGptIdentity identity, DateTimeOffset? expiresAt, DateTimeOffset refreshAt, CodexAuthException? failure = null, DateTimeOffset? issuedAt = null)
    {
        Document = document;
        Tokens = tokens;
        Headers = headers;
        Identity = identity;
        ExpiresAt = expiresAt;
        RefreshAt = refreshAt;
        Failure = failure;
        IssuedAt = issuedAt;
    }

    public CodexAuthDocument Document { get; }

    public CodexTokens Tokens { get; }

    public AuthHeaders Headers { get; }

    public ChatGptIdentity Identity { get; }

    public DateTimeOffset? ExpiresAt { get; }

    public DateTimeOffset RefreshAt { get; }

    /// <summary>When the access token was issued (<c>iat</c>, else <c>last_refresh</c>), for the token-age histogram.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>A permanent failure remembered for this credential snapshot until the store changes.</summary>
    public CodexAuthException? Failure { get; }

    /// <summary>Whether, at <paramref name="tick"/> (<see cref="Environment.TickCount64"/>), the headers may be served without reading the clock.</summary>
    public bool IsServableWithoutClock(long tick) => tick < Volatile.Read(ref _servableUntilTick);

    /// <summary>Lets the headers be served without reading the clock until <paramref name="tick"/> (<see cref="Environment.TickCount64"/>).</summary>
    public void ServeWithoutClockUntil(long tick) => Volatile.Write(ref _servableUntilTick, tick);

    public TokenState WithFailure(CodexAuthException failure) => new(Document, Tokens, Headers, Identity, ExpiresAt, RefreshAt, failure, IssuedAt);
}
