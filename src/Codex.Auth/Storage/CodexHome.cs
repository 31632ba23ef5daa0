namespace Codex.Auth.Storage;

/// <summary>Locates the Codex home directory and the files in it (PROTOCOL §1).</summary>
public static class CodexHome
{
    /// <summary>The credentials file name: <c>auth.json</c>.</summary>
    public const string AuthFileName = "auth.json";

    /// <summary>The refresh lock file name: <c>auth.lock</c>.</summary>
    public const string RefreshLockFileName = "auth.lock";

    /// <summary>The write lock file name: <c>auth.json.lock</c>.</summary>
    public const string WriteLockFileName = "auth.json.lock";

    /// <summary>
    /// Resolves the Codex home directory: <c>CODEX_HOME</c> when set and non-empty (it must then be an
    /// existing directory), otherwise <c>~/.codex</c> (which need not exist).
    /// </summary>
    /// <param name="environment">The environment to read; defaults to the process environment.</param>
    /// <returns>The absolute directory path.</returns>
    /// <exception cref="CodexAuthException">CODEX_HOME is set but is not an existing directory.</exception>
    public static string Resolve(CodexEnvironment? environment = null)
    {
        environment ??= CodexEnvironment.Process;
        string? configured = environment.GetVariable(CodexEnvironmentVariables.CodexHome);
        if (!string.IsNullOrEmpty(configured))
        {
            return Validate(configured);
        }

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (string.IsNullOrEmpty(home))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.StoreUnavailable,
                "The user's home directory could not be determined, so ~/.codex cannot be located.",
                "Set CODEX_HOME to the directory that holds auth.json.");
        }

        return Path.Combine(home, ".codex");
    }

    /// <summary>
    /// Resolves the Codex home for an option that may name one: <paramref name="configured"/> when non-empty (it must
    /// exist), otherwise <c>CODEX_HOME</c> or <c>~/.codex</c> as <see cref="Resolve(CodexEnvironment?)"/> does.
    /// </summary>
    /// <param name="configured">An explicitly configured directory, or <see langword="null"/>.</param>
    /// <param name="environment">The environment to read; defaults to the process environment.</param>
    /// <returns>The absolute directory path.</returns>
    /// <exception cref="CodexAuthException">The configured or CODEX_HOME directory does not exist.</exception>
    public static string Resolve(string? configured, CodexEnvironment? environment = null) =>
        string.IsNullOrEmpty(configured) ? Resolve(environment) : Validate(configured);

    /// <summary>Checks that an explicitly configured Codex home is an existing directory and returns its full path.</summary>
    /// <param name="directory">The directory.</param>
    /// <returns>The full path.</returns>
    /// <exception cref="CodexAuthException">The directory does not exist.</exception>
    public static string Validate(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.StoreUnavailable,
                $"CODEX_HOME points to '{full}', which is not an existing directory.",
                "Create that directory, point CODEX_HOME at the directory that holds auth.json, or unset CODEX_HOME to use ~/.codex.");
        }

        return full;
    }
}
