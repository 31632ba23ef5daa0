using System.Collections.Frozen;

namespace Codex.Auth;

/// <summary>The names of the HTTP headers Codex.Auth applies (header names are case-insensitive on the wire).</summary>
public static class CodexAuthHeaderNames
{
    /// <summary><c>Authorization</c>: <c>Bearer …</c> or <c>AgentAssertion …</c>.</summary>
    public const string Authorization = "Authorization";

    /// <summary><c>ChatGPT-Account-ID</c>: the ChatGPT workspace/account the credential belongs to.</summary>
    public const string AccountId = "ChatGPT-Account-ID";

    /// <summary><c>X-OpenAI-Fedramp</c>: <c>true</c> for FedRAMP accounts, absent otherwise.</summary>
    public const string FedRamp = "X-OpenAI-Fedramp";

    /// <summary>
    /// <c>x-openai-account-routing-override</c>: the workspace's routing override (<c>us</c>, <c>us_cr</c>) on model calls of a
    /// residency-constrained workspace (PROTOCOL §9). Absent for unconstrained accounts; a caller's own value is always replaced.
    /// </summary>
    public const string AccountRoutingOverride = "x-openai-account-routing-override";

    /// <summary><c>x-openai-internal-codex-residency</c>: <c>us</c> on every request when residency is enforced (PROTOCOL §9).</summary>
    public const string Residency = "x-openai-internal-codex-residency";

    /// <summary>
    /// Gets every request header that carries or selects a credential: <c>Authorization</c>, <c>Proxy-Authorization</c>,
    /// <see cref="AccountId"/>, <see cref="FedRamp"/>, <c>OpenAI-Organization</c>, <c>OpenAI-Project</c>, <c>api-key</c>,
    /// <c>x-api-key</c>, <c>Cookie</c> and <c>Cookie2</c> (a session cookie next to a bearer would act as whoever the cookie
    /// names). Compared case-insensitively. The one list behind the proxy's forward mode (every one of them is stripped from an
    /// agent's request before the host's credential is applied) and its header logs (every one of them is shown as a fingerprint).
    /// </summary>
    /// <example>
    /// <code>
    /// foreach (string name in request.Headers.Select(h => h.Key).Where(CodexAuthHeaderNames.CredentialHeaders.Contains).ToList())
    /// {
    ///     request.Headers.Remove(name);
    /// }
    /// </code>
    /// </example>
    public static FrozenSet<string> CredentialHeaders { get; } = FrozenSet.ToFrozenSet(
        [
            Authorization,
            "Proxy-Authorization",
            AccountId,
            FedRamp,
            "OpenAI-Organization",
            "OpenAI-Project",
            "api-key",
            "x-api-key",
            "Cookie",
            "Cookie2",
        ],
        StringComparer.OrdinalIgnoreCase);
}
