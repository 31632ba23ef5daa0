namespace Codex.Auth.SignIn;

/// <summary>What happened to stored credentials when they were removed (logout, or a new sign-in replacing them).</summary>
public enum RevokeOutcome
{
    /// <summary>There was nothing to revoke: no credentials, or none with a refresh token.</summary>
    NotNeeded = 0,

    /// <summary>The server accepted the revocation of the refresh token.</summary>
    Revoked,

    /// <summary>The revocation failed (network error or a non-success status); the credentials were removed anyway.</summary>
    Failed,
}
