using Codex.Auth.Internal;
using Codex.Auth.Storage;

namespace Codex.Auth.ChatGpt;

/// <summary>An immutable snapshot of one credential version, read without locks on the hot path; fresh until <see cref="RefreshAt"/>.</summary>
internal sealed class TokenState : RefreshAheadSnapshot
{
    public TokenState(CodexAuthDocument document, CodexTokens tokens, AuthHeaders headers, ChatGptIdentity identity, DateTimeOffset? expiresAt, DateTimeOffset refreshAt, CodexAuthException? failure = null, DateTimeOffset? issuedAt = null)
        : base(headers, refreshAt)
    {
        Document = document;
        Tokens = tokens;
        Identity = identity;
        ExpiresAt = expiresAt;
        Failure = failure;
        IssuedAt = issuedAt;
    }

    public CodexAuthDocument Document { get; }

    public CodexTokens Tokens { get; }

    public ChatGptIdentity Identity { get; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Gets the refresh point (<see cref="RefreshPolicy.ComputeRefreshAt"/>).</summary>
    public DateTimeOffset RefreshAt => FreshUntil;

    /// <summary>When the access token was issued (<c>iat</c>, else <c>last_refresh</c>), for the token-age histogram.</summary>
    public DateTimeOffset? IssuedAt { get; }

    /// <summary>A permanent failure remembered for this credential snapshot until the store changes.</summary>
    public CodexAuthException? Failure { get; }

    public TokenState WithFailure(CodexAuthException failure) => new(Document, Tokens, Headers, Identity, ExpiresAt, RefreshAt, failure, IssuedAt);
}
