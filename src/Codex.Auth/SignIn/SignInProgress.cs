namespace Codex.Auth.SignIn;

/// <summary>
/// A step of a sign-in flow, reported through <see cref="IProgress{T}"/>. Carries only what a person has to see
/// (the user code is meant to be typed by them); never a token, authorization code or verifier.
/// </summary>
public sealed class SignInProgress
{
    internal SignInProgress(SignInProgressKind kind)
    {
        Kind = kind;
    }

    /// <summary>Gets the step reached.</summary>
    public SignInProgressKind Kind { get; }

    /// <summary>Gets the code the user enters at <see cref="VerificationUri"/> (device flow), or <see langword="null"/>.</summary>
    public string? UserCode { get; internal init; }

    /// <summary>Gets the page where the user enters <see cref="UserCode"/> (device flow): <c>{issuer}/codex/device</c>.</summary>
    public Uri? VerificationUri { get; internal init; }

    /// <summary>Gets the URL to open in a browser (browser flow), or <see langword="null"/>.</summary>
    public Uri? AuthorizationUri { get; internal init; }

    /// <summary>Gets the local callback URL the browser is sent back to (browser flow), or <see langword="null"/>.</summary>
    public Uri? RedirectUri { get; internal init; }

    /// <summary>Gets when the flow gives up waiting for the user, or <see langword="null"/> when it waits until cancelled.</summary>
    public DateTimeOffset? ExpiresAt { get; internal init; }

    /// <summary>Gets how many times the device flow has polled so far.</summary>
    public int PollCount { get; internal init; }

    /// <summary>Gets the delay between polls (device flow).</summary>
    public TimeSpan PollInterval { get; internal init; }

    /// <summary>Describes the step without any secret.</summary>
    /// <returns>For example <c>DeviceCodePending poll=3</c>.</returns>
    public override string ToString() => Kind switch
    {
        SignInProgressKind.DeviceCodeIssued => $"{Kind} url={VerificationUri}",
        SignInProgressKind.DeviceCodePending => $"{Kind} poll={PollCount}",
        SignInProgressKind.AuthorizationUrlReady => $"{Kind} redirect={RedirectUri}",
        _ => Kind.ToString(),
    };
}
