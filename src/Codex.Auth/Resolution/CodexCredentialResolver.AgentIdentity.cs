using Codex.Auth.Storage;

namespace Codex.Auth.Resolution;

/// <summary>Agent identity and personal access token sources (filled in when those providers exist).</summary>
public sealed partial class CodexCredentialResolver
{
    private static bool TryAccessToken([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ResolvedCredential? credential)
    {
        credential = null;
        return false;
    }

    private static ResolvedCredential? FromStoreAgentIdentity(CodexAuthDocument document, FileCredentialStore store) =>
        throw new CodexAuthException(
            CodexAuthFailureReason.UnsupportedMode,
            $"{store.FilePath} is in '{document.Mode}' mode, which this build cannot use yet.",
            "Set CODEX_API_KEY or run `codex login`.");
}
