namespace Codex.Auth.Storage;

/// <summary>The <c>tokens</c> object of auth.json. Internal: it holds secrets.</summary>
internal sealed record CodexTokens(string IdToken, string AccessToken, string RefreshToken, string? AccountId)
{
    /// <summary>Never prints a token.</summary>
    public override string ToString() => $"tokens account={AccountId}";
}
