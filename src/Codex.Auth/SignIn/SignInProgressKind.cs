namespace Codex.Auth.SignIn;

/// <summary>The step a sign-in flow has reached; see <see cref="SignInProgress"/>.</summary>
public enum SignInProgressKind
{
    /// <summary>Device flow: a user code was issued. Show <see cref="SignInProgress.UserCode"/> and <see cref="SignInProgress.VerificationUri"/>.</summary>
    DeviceCodeIssued = 0,

    /// <summary>Device flow: the server was polled and the code is not approved yet.</summary>
    DeviceCodePending,

    /// <summary>Browser flow: the local callback server listens. Open <see cref="SignInProgress.AuthorizationUri"/> in a browser.</summary>
    AuthorizationUrlReady,

    /// <summary>The authorization code arrived and is being exchanged for tokens.</summary>
    ExchangingCode,

    /// <summary>The tokens were saved.</summary>
    Completed,
}
