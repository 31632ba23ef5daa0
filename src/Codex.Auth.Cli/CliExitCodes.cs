namespace Codex.Auth.Cli;

/// <summary>The process exit codes of <c>codex-auth</c> (documented in the README).</summary>
internal static class CliExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>The command failed: not signed in, sign-in refused, store unreadable, network error.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong (unknown option, a secret given as an argument, nothing on stdin).</summary>
    public const int Usage = 2;

    /// <summary>Cancelled with Ctrl+C.</summary>
    public const int Cancelled = 130;
}
