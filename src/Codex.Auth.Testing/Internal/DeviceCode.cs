namespace Codex.Auth.Testing.Internal;

/// <summary>A device-code sign-in in progress.</summary>
internal sealed class DeviceCode(string deviceAuthId, string userCode, DateTimeOffset expiresAt)
{
    public string DeviceAuthId { get; } = deviceAuthId;

    public string UserCode { get; } = userCode;

    public DateTimeOffset ExpiresAt { get; } = expiresAt;

    public string? AuthorizationCode { get; set; }

    public string? CodeVerifier { get; set; }

    public string? CodeChallenge { get; set; }
}
