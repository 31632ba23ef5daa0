namespace Codex.Auth;

/// <summary>
/// An authentication failure, with a machine-readable <see cref="Reason"/> and a <see cref="Remediation"/>
/// a person can act on. Messages never contain a secret.
/// </summary>
/// <example>
/// <code>
/// catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.RefreshTokenReused)
/// {
///     Console.Error.WriteLine(ex.Remediation); // "Run `codex login` to sign in again."
/// }
/// </code>
/// </example>
public sealed class CodexAuthException : Exception
{
    /// <summary>The usual remedy when the user has to sign in with ChatGPT again.</summary>
    public const string SignInAgain = "Run `codex login` (or `codex login --device-auth` on a machine without a browser) to sign in again.";

    /// <summary>Creates an exception.</summary>
    /// <param name="reason">The machine-readable reason.</param>
    /// <param name="message">What went wrong. Must not contain a secret.</param>
    /// <param name="remediation">What a person should do about it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public CodexAuthException(CodexAuthFailureReason reason, string message, string remediation, Exception? innerException = null)
        : base(Compose(message, remediation), innerException)
    {
        Reason = reason;
        Remediation = remediation ?? string.Empty;
    }

    /// <summary>Creates an exception with reason <see cref="CodexAuthFailureReason.NotSignedIn"/>.</summary>
    public CodexAuthException()
        : this(CodexAuthFailureReason.NotSignedIn, "Not signed in.", SignInAgain)
    {
    }

    /// <summary>Creates an exception with reason <see cref="CodexAuthFailureReason.NotSignedIn"/>.</summary>
    /// <param name="message">What went wrong.</param>
    public CodexAuthException(string message)
        : this(CodexAuthFailureReason.NotSignedIn, message, SignInAgain)
    {
    }

    /// <summary>Creates an exception with reason <see cref="CodexAuthFailureReason.NotSignedIn"/>.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public CodexAuthException(string message, Exception innerException)
        : this(CodexAuthFailureReason.NotSignedIn, message, SignInAgain, innerException)
    {
    }

    /// <summary>Gets the machine-readable reason.</summary>
    public CodexAuthFailureReason Reason { get; }

    /// <summary>Gets a sentence a person can act on, for example "Run `codex login` …".</summary>
    public string Remediation { get; }

    /// <summary>Gets a value indicating whether the user has to sign in again (retrying cannot help).</summary>
    public bool RequiresSignIn => Reason is CodexAuthFailureReason.NotSignedIn
        or CodexAuthFailureReason.RefreshTokenExpired
        or CodexAuthFailureReason.RefreshTokenReused
        or CodexAuthFailureReason.RefreshTokenRevoked
        or CodexAuthFailureReason.AccountMismatch;

    private static string Compose(string message, string remediation) =>
        string.IsNullOrEmpty(remediation) ? message : string.Concat(message, " ", remediation);
}
