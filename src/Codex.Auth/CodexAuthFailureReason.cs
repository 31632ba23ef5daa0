namespace Codex.Auth;

/// <summary>Why authentication failed; machine-readable companion of <see cref="CodexAuthException"/>.</summary>
public enum CodexAuthFailureReason
{
    /// <summary>No credential was found in any source.</summary>
    NotSignedIn = 0,

    /// <summary>The access token has expired and could not be renewed.</summary>
    TokenExpired,

    /// <summary>The refresh token has expired; the user must sign in again.</summary>
    RefreshTokenExpired,

    /// <summary>The refresh token was already spent by someone else; the user must sign in again.</summary>
    RefreshTokenReused,

    /// <summary>The refresh token was revoked or invalidated (for example by a logout elsewhere); the user must sign in again.</summary>
    RefreshTokenRevoked,

    /// <summary>The credential store now holds a different account than the one in use.</summary>
    AccountMismatch,

    /// <summary>The credential store (auth.json) could not be parsed. It has not been modified.</summary>
    MalformedStore,

    /// <summary>A token in the store is not a well-formed JWT or lacks a required claim.</summary>
    MalformedToken,

    /// <summary>The Codex home directory (CODEX_HOME) is invalid, or the store could not be read or written.</summary>
    StoreUnavailable,

    /// <summary>Renewing the credential failed for a reason that may be temporary (network, 5xx, bad response).</summary>
    RefreshFailed,

    /// <summary>The server rejected the credential (HTTP 401) and it cannot be renewed.</summary>
    Unauthorized,

    /// <summary>The credential store is in a mode this provider cannot use.</summary>
    UnsupportedMode,

    /// <summary>The request was not sent: credentials are attached only over HTTPS (loopback excepted).</summary>
    InsecureTransport,

    /// <summary>The request was not sent: its host is not in the provider's allow-list.</summary>
    HostNotAllowed,

    /// <summary>The agent identity is invalid (bad signature, wrong issuer or audience, expired, bad key).</summary>
    InvalidAgentIdentity,

    /// <summary>Agent task registration failed.</summary>
    TaskRegistrationFailed,

    /// <summary>A sign-in flow failed or was refused.</summary>
    SignInFailed,

    /// <summary>
    /// Workspace routing discovery (<c>wham/accounts/check</c>, PROTOCOL §9) failed or gave an answer that cannot be used: the
    /// signed-in account is missing (or listed twice), the origin is not HTTPS or carries credentials, or the body is not JSON.
    /// Nothing was sent to the backend.
    /// </summary>
    RoutingDiscoveryFailed,

    /// <summary>Residency is enforced (<c>enforce_residency = "us"</c>) but the account's workspace is not residency-constrained; nothing was sent.</summary>
    ResidencyNotSatisfied,

    /// <summary><c>$CODEX_HOME/config.toml</c> (or an equivalent option or environment variable) has a value that cannot be used. The file has not been modified.</summary>
    MalformedConfiguration,

    /// <summary>The operating system's keyring is missing, locked or refused the operation.</summary>
    KeyringUnavailable,

    /// <summary>The credentials are larger than the store accepts (for example the Windows Credential Manager's 2,560-byte limit).</summary>
    CredentialTooLarge,

    /// <summary>
    /// An endpoint URL or override (for example <c>CODEX_REFRESH_TOKEN_URL_OVERRIDE</c>) is malformed: not an absolute
    /// http(s) URL, or it carries a user name or password. Plain HTTP to a host that is not loopback is
    /// <see cref="InsecureTransport"/>.
    /// </summary>
    InvalidEndpoint,

    /// <summary>Looking up whom a personal access token belongs to (<c>whoami</c>) failed for a reason that may be temporary.</summary>
    AccountLookupFailed,

    /// <summary>
    /// The credential store's encryption key is missing or malformed, or is not the key the stored document was sealed
    /// with (for example the Redis store's <c>CODEX_AUTH_STORE_KEY</c>). Nothing was written.
    /// </summary>
    InvalidStoreKey,
}
