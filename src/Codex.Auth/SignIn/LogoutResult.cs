namespace Codex.Auth.SignIn;

/// <summary>The outcome of <see cref="CodexSignIn.LogoutAsync"/>. Holds no secret.</summary>
public sealed class LogoutResult
{
    internal LogoutResult(bool removed, RevokeOutcome revoke, string location)
    {
        Removed = removed;
        Revoke = revoke;
        Location = location;
    }

    /// <summary>Gets a value indicating whether stored credentials were removed (<see langword="false"/>: there were none).</summary>
    public bool Removed { get; }

    /// <summary>Gets whether the refresh token was revoked at the issuer.</summary>
    public RevokeOutcome Revoke { get; }

    /// <summary>Gets the store's location (a path, or "memory").</summary>
    public string Location { get; }

    /// <summary>Describes the result.</summary>
    /// <returns>For example <c>removed revoke=Revoked</c>.</returns>
    public override string ToString() => $"{(Removed ? "removed" : "nothing stored")} revoke={Revoke}";
}
