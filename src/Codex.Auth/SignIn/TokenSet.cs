namespace Codex.Auth.SignIn;

/// <summary>The tokens a code exchange returns. Internal: it holds secrets; <see cref="ToString"/> never shows them.</summary>
internal sealed record TokenSet(string IdToken, string AccessToken, string RefreshToken)
{
    public override string ToString() => "tokens";
}
