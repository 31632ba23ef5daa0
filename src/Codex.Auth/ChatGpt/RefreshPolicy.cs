using Codex.Auth.Internal;
using Codex.Auth.Storage;

namespace Codex.Auth.ChatGpt;

/// <summary>
/// When to refresh a ChatGPT token, and what a stored document means: pure functions of a snapshot, a document and
/// the time, with no clock, I/O or state of their own (PROTOCOL §4).
/// </summary>
/// <param name="refreshBeforeExpiry">How long before <c>exp</c> the refresh window opens (at most half the token's lifetime).</param>
/// <param name="refreshIntervalWithoutExpiry">How long after <c>last_refresh</c> a token without <c>exp</c> is refreshed.</param>
internal sealed class RefreshPolicy(TimeSpan refreshBeforeExpiry, TimeSpan refreshIntervalWithoutExpiry)
{
    /// <summary>What a request does with <paramref name="state"/> at <paramref name="now"/>.</summary>
    public static RefreshDecision Decide(TokenState state, DateTimeOffset now)
    {
        if (state.Failure is not null)
        {
            return RefreshDecision.Fail;
        }

        if (now < state.RefreshAt)
        {
            return RefreshDecision.Serve;
        }

        return state.ExpiresAt is { } expires && now < expires
            ? RefreshDecision.ServeAndRefreshInBackground
            : RefreshDecision.RefreshAndWait;
    }

    /// <summary>Whether a failure ends the sign-in (remembered, never retried) rather than being retried.</summary>
    public static bool IsPermanent(Exception error) =>
        error is CodexAuthException { RequiresSignIn: true } or CodexAuthException { Reason: CodexAuthFailureReason.AccountMismatch };

    /// <summary>
    /// The refresh point: <paramref name="before"/> ahead of <c>exp</c>, but at most half the token's lifetime (from <c>iat</c>,
    /// else <c>last_refresh</c>); without <c>exp</c>, <paramref name="withoutExpiry"/> after <c>last_refresh</c> (else <paramref name="now"/>).
    /// </summary>
    public static DateTimeOffset ComputeRefreshAt(DateTimeOffset? expires, DateTimeOffset? issuedAt, DateTimeOffset? lastRefresh, TimeSpan before, TimeSpan withoutExpiry, DateTimeOffset now)
    {
        if (expires is { } exp)
        {
            TimeSpan lead = before;
            DateTimeOffset? start = issuedAt ?? lastRefresh;
            if (start is { } s && exp > s)
            {
                TimeSpan half = (exp - s) / 2;
                if (half < lead)
                {
                    lead = half;
                }
            }

            return TimeMath.AddSaturating(exp, -lead);
        }

        return TimeMath.AddSaturating(lastRefresh ?? now, withoutExpiry);
    }

    /// <summary>
    /// Moves <c>exp</c>/<c>iat</c> of a token just received onto the local clock. <c>iat</c> is the server's clock and
    /// <paramref name="receivedAt"/> ours; when they differ by more than a minute the local clock is skewed, and without this
    /// correction a clock running ahead by more than the token's lifetime would see every fresh token as expired and refresh
    /// on every request.
    /// </summary>
    public static (DateTimeOffset? Expires, DateTimeOffset? IssuedAt) CorrectForClockSkew(DateTimeOffset? expires, DateTimeOffset? issuedAt, DateTimeOffset receivedAt)
    {
        if (expires is not { } exp || issuedAt is not { } iat || exp <= iat)
        {
            return (expires, issuedAt);
        }

        TimeSpan skew = receivedAt - iat;
        if (skew.Duration() <= TimeSpan.FromMinutes(1) || skew.Duration() > TimeSpan.FromDays(1))
        {
            return (expires, issuedAt);
        }

        return (TimeMath.AddSaturating(exp, skew), TimeMath.AddSaturating(iat, skew));
    }

    /// <summary>
    /// What a stored document means: a usable ChatGPT sign-in, or the typed reason it is not one.
    /// </summary>
    /// <param name="document">The document read (or about to be written).</param>
    /// <param name="location">The store's location, for messages.</param>
    /// <param name="now">The time, for a token without <c>exp</c> and <c>last_refresh</c>.</param>
    /// <param name="receivedAt">When the access token was received from the token endpoint (clock-skew correction), or <see langword="null"/>.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="CodexAuthException">Not signed in, another mode, or a token that cannot be used.</exception>
    public TokenState ToState(CodexAuthDocument? document, string location, DateTimeOffset now, DateTimeOffset? receivedAt = null)
    {
        if (document is null)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Not signed in: there are no credentials at {location}.",
                CodexAuthException.SignInAgain);
        }

        if (document.Mode is not (CodexAuthMode.ChatGpt or CodexAuthMode.ChatGptAuthTokens))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.UnsupportedMode,
                $"The credentials at {location} are in '{document.AuthModeValue ?? document.Mode.ToString()}' mode, not a ChatGPT sign-in.",
                "Run `codex login` to sign in with ChatGPT, or use the provider for that mode (CodexCredentialSource.Auto picks it).");
        }

        if (document.Tokens is not { } tokens)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Not signed in: {location} is in ChatGPT mode but has no \"tokens\", so no Authorization can be sent.",
                CodexAuthException.SignInAgain);
        }

        if (document.LastRefresh is not { } lastRefresh)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Not signed in: {location} has tokens but no \"last_refresh\", so Codex sends no Authorization.",
                CodexAuthException.SignInAgain);
        }

        ChatGptIdentity identity = tokens.IdToken.Length == 0
            ? new ChatGptIdentity(null, null, null, null, false)
            : ChatGptTokenClaims.ReadIdentity(tokens.IdToken);
        (DateTimeOffset? expires, DateTimeOffset? issuedAt) = ChatGptTokenClaims.ReadTimes(tokens.AccessToken);
        if (receivedAt is { } received)
        {
            (expires, issuedAt) = CorrectForClockSkew(expires, issuedAt, received);
        }

        AuthHeaders headers;
        try
        {
            headers = new AuthHeaders("Bearer", tokens.AccessToken, string.IsNullOrEmpty(tokens.AccountId) ? null : tokens.AccountId, identity.IsFedRamp);
        }
        catch (ArgumentException)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedToken,
                $"The access token or account id in {location} contains characters that cannot be sent in a header.",
                CodexAuthException.SignInAgain);
        }

        DateTimeOffset refreshAt = ComputeRefreshAt(expires, issuedAt, lastRefresh, refreshBeforeExpiry, refreshIntervalWithoutExpiry, now);
        return new TokenState(document, tokens, headers, identity, expires, refreshAt, failure: null, issuedAt: issuedAt ?? lastRefresh);
    }
}
