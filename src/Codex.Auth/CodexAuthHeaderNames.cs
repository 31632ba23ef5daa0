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
}
