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
}
