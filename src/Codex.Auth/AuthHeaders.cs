using System.Diagnostics;
using System.Net.Http.Headers;
using Codex.Auth.Internal;

namespace Codex.Auth;

/// <summary>
/// An immutable set of authentication headers for one credential version: the complete
/// <c>Authorization</c> value (scheme included), the optional <c>ChatGPT-Account-ID</c> and the FedRAMP flag.
/// </summary>
/// <remarks>
/// Built once per credential version and reused for every request. No public member returns the
/// credential: serializers, <see cref="ToString"/> and debugger displays show only the scheme, the account
/// and a short <see cref="Fingerprint"/>. The only way out is <see cref="ApplyTo"/>, which writes the headers
/// onto an outgoing request.
/// </remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class AuthHeaders
{
    private static readonly string[] s_noAccount = [];

    private readonly string _authorization;

    /// <summary>Whether <c>ChatGPT-Account-ID</c> or <c>X-OpenAI-Fedramp</c> is sent as well (one test on the API-key path instead of two).</summary>
    private readonly bool _hasMoreHeaders;
    private string? _fingerprint;

    /// <summary>Creates a header set.</summary>
    /// <param name="scheme">The authorization scheme, for example <c>Bearer</c> or <c>AgentAssertion</c>.</param>
    /// <param name="credential">The credential that follows the scheme. Never shown by this type.</param>
    /// <param name="accountId">The <c>ChatGPT-Account-ID</c> value, or <see langword="null"/> for none.</param>
    /// <param name="isFedRamp">Whether to send <c>X-OpenAI-Fedramp: true</c>.</param>
    /// <exception cref="ArgumentException">The scheme or credential is blank or contains characters not allowed in a header.</exception>
    public AuthHeaders(string scheme, string credential, string? accountId = null, bool isFedRamp = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scheme);
        if (string.IsNullOrWhiteSpace(credential))
        {
            throw new ArgumentException("The credential is empty.", nameof(credential));
        }

        if (!HeaderValues.IsToken(scheme))
        {
            throw new ArgumentException("The scheme must be a single HTTP token such as 'Bearer'.", nameof(scheme));
        }

        if (!HeaderValues.IsSafeValue(credential))
        {
            // Never echo the credential itself.
            throw new ArgumentException("The credential contains whitespace or control characters that cannot be sent in a header.", nameof(credential));
        }

        if (accountId is not null && (accountId.Length == 0 || !HeaderValues.IsSafeValue(accountId)))
        {
            throw new ArgumentException("The account id is empty or contains characters that cannot be sent in a header.", nameof(accountId));
        }

        Scheme = scheme;
        AccountId = accountId;
        IsFedRamp = isFedRamp;
        _hasMoreHeaders = accountId is not null || isFedRamp;
        _authorization = string.Concat(scheme, " ", credential);
    }

    /// <summary>
    /// For credentials this assembly built itself (the agent assertion, one per second): <paramref name="authorization"/> is
    /// the complete, already valid <c>Authorization</c> value <c>"{scheme} {credential}"</c>; nothing is copied or re-checked.
    /// </summary>
    internal AuthHeaders(string scheme, string authorization, string? accountId, bool isFedRamp, bool trusted)
    {
        System.Diagnostics.Debug.Assert(trusted && authorization.StartsWith(scheme + " ", StringComparison.Ordinal), "A trusted Authorization value starts with its scheme.");
        Scheme = scheme;
        AccountId = accountId;
        IsFedRamp = isFedRamp;
        _hasMoreHeaders = accountId is not null || isFedRamp;
        _authorization = authorization;
    }

    /// <summary>Gets the authorization scheme, for example <c>Bearer</c>.</summary>
    public string Scheme { get; }

    /// <summary>Gets the <c>ChatGPT-Account-ID</c> value, or <see langword="null"/> when none is sent.</summary>
    public string? AccountId { get; }

    /// <summary>Gets a value indicating whether <c>X-OpenAI-Fedramp: true</c> is sent.</summary>
    public bool IsFedRamp { get; }

    /// <summary>Gets a short, non-reversible fingerprint of the credential (8 hex characters of its SHA-256), for logs.</summary>
    /// <remarks>Computed on first use (a per-second agent assertion is rarely logged), then kept.</remarks>
    public string Fingerprint => _fingerprint ??= Fingerprints.Of(_authorization.AsSpan(Scheme.Length + 1));

    /// <summary>
    /// Computes the short, non-reversible fingerprint that <see cref="Fingerprint"/> shows, for any secret (the first 8 hex
    /// characters of its SHA-256): safe to log, and equal for equal secrets, so log lines can be correlated.
    /// </summary>
    /// <param name="secret">The secret.</param>
    /// <returns>The fingerprint, for example <c>3f2a9c1d</c>.</returns>
    public static string FingerprintOf(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Fingerprints.Of(secret);
    }

    /// <summary>
    /// Writes the headers onto <paramref name="headers"/>, first removing every existing
    /// <c>Authorization</c>, <c>ChatGPT-Account-ID</c>, <c>X-OpenAI-Fedramp</c> and <c>x-openai-account-routing-override</c> header
    /// (the routing override is the workspace's, set by <see cref="Routing.WorkspaceRouter"/>, never the caller's).
    /// </summary>
    /// <param name="headers">The request headers to modify.</param>
    public void ApplyTo(HttpRequestHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);

        // The same removal as Remove("Authorization"), through the known header's descriptor: no header-name lookup (~2 ns).
        headers.Authorization = null;

        // Removing a custom header name costs a parse and a scan even when it is absent; when nothing is left
        // (a new request, or a retry carrying only this handler's Authorization) there is nothing to remove.
        if (headers.NonValidated.Count != 0)
        {
            headers.Remove(CodexAuthHeaderNames.AccountId);
            headers.Remove(CodexAuthHeaderNames.FedRamp);
            headers.Remove(CodexAuthHeaderNames.AccountRoutingOverride);
        }

        headers.TryAddWithoutValidation(CodexAuthHeaderNames.Authorization, _authorization);
        if (_hasMoreHeaders)
        {
            ApplyAccountHeaders(headers);
        }
    }

    private void ApplyAccountHeaders(HttpRequestHeaders headers)
    {
        if (AccountId is not null)
        {
            headers.TryAddWithoutValidation(CodexAuthHeaderNames.AccountId, AccountId);
        }

        if (IsFedRamp)
        {
            headers.TryAddWithoutValidation(CodexAuthHeaderNames.FedRamp, "true");
        }
    }

    /// <summary>Determines whether this set carries the same credential as <paramref name="other"/>.</summary>
    /// <param name="other">The other header set.</param>
    /// <returns><see langword="true"/> when both carry the same <c>Authorization</c> value.</returns>
    public bool HasSameCredential(AuthHeaders? other) =>
        other is not null && (ReferenceEquals(this, other) || string.Equals(_authorization, other._authorization, StringComparison.Ordinal));

    /// <summary>Returns the scheme, the credential's fingerprint and the account — never the credential.</summary>
    /// <returns>For example <c>Bearer [3f2a9c1d] account=acct_123</c>.</returns>
    public override string ToString() =>
        AccountId is null
            ? $"{Scheme} [{Fingerprint}]"
            : $"{Scheme} [{Fingerprint}] account={AccountId}{(IsFedRamp ? " fedramp" : string.Empty)}";

    /// <summary>The complete Authorization value, for code in this assembly that has to forward it.</summary>
    internal string AuthorizationValue => _authorization;
}
