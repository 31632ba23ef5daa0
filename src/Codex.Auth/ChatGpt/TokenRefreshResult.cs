namespace Codex.Auth.ChatGpt;

/// <summary>The fields a refresh response carried; each may be absent. Internal: holds secrets.</summary>
internal sealed record TokenRefreshResult(string? IdToken, string? AccessToken, string? RefreshToken)
{
    public override string ToString() => "TokenRefreshResult";
}
