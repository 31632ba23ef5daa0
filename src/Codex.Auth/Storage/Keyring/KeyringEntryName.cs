using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Codex.Auth.Storage.Keyring;

/// <summary>
/// The keyring entry the Codex CLI uses for a Codex home (PROTOCOL §1): service <c>Codex Auth</c>, user
/// <c>cli|</c> + the first 16 hex characters of SHA-256 of the canonical Codex home path, and its per-platform names.
/// </summary>
internal static partial class KeyringEntryName
{
    /// <summary>The service name, <c>Codex Auth</c>.</summary>
    public const string Service = "Codex Auth";

    /// <summary>The Secret Service <c>target</c> attribute the Rust <c>keyring</c> crate writes.</summary>
    public const string Target = "default";

    /// <summary>The Secret Service <c>application</c> attribute the Rust <c>keyring</c> crate writes.</summary>
    public const string Application = "rust-keyring";

    /// <summary>The Rust <c>keyring</c> crate version in the label the Codex CLI 0.169.0 writes.</summary>
    public const string KeyringCrateVersion = "3.6.3";

    /// <summary>The Secret Service item schema.</summary>
    public const string Schema = "org.freedesktop.Secret.Generic";

    /// <summary>The user name for a Codex home: resolves it the way Rust's <c>canonicalize</c> does, then hashes it.</summary>
    public static string ForCodexHome(string codexHome) => ForCanonicalPath(Canonicalize(codexHome));

    /// <summary>The user name for an already canonical path: <c>cli|</c> + first 16 hex of SHA-256 of its UTF-8 bytes.</summary>
    public static string ForCanonicalPath(string canonicalPath)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(canonicalPath), hash);
        return "cli|" + Convert.ToHexString(hash[..8]).ToLowerInvariant();
    }

    /// <summary>The Secret Service label: <c>&lt;user&gt;@Codex Auth:default (keyring v3.6.3)</c>.</summary>
    public static string SecretServiceLabel(string user) => $"{user}@{Service}:{Target} (keyring v{KeyringCrateVersion})";

    /// <summary>The Secret Service lookup attributes (the ones the Rust crate searches by plus <c>application</c>).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> SecretServiceAttributes(string user) =>
    [
        new("application", Application),
        new("service", Service),
        new("target", Target),
        new("username", user),
    ];

    /// <summary>The Windows Credential Manager target name: <c>&lt;user&gt;.Codex Auth</c>.</summary>
    public static string WindowsTargetName(string user) => $"{user}.{Service}";

    /// <summary>
    /// What Rust's <c>std::fs::canonicalize</c> gives for the directory: every symbolic link resolved (on Windows the
    /// verbatim <c>\\?\</c> form). When the directory does not exist, the path as given (made absolute), as the Codex CLI falls back to.
    /// </summary>
    public static string Canonicalize(string codexHome)
    {
        string full = Path.GetFullPath(codexHome);
        if (!Directory.Exists(full))
        {
            return full;
        }

        if (OperatingSystem.IsWindows())
        {
            return WindowsVerbatim(ResolveLinks(full));
        }

        return RealPath(full) ?? ResolveLinks(full);
    }

    /// <summary>Rust's Windows canonical form: <c>\\?\C:\…</c>, or <c>\\?\UNC\server\share\…</c> for a share.</summary>
    internal static string WindowsVerbatim(string fullPath)
    {
        if (fullPath.StartsWith(@"\\?\", StringComparison.Ordinal))
        {
            return fullPath;
        }

        return fullPath.StartsWith(@"\\", StringComparison.Ordinal) ? @"\\?\UNC\" + fullPath[2..] : @"\\?\" + fullPath;
    }

    /// <summary>Resolves symbolic links component by component (portable fallback for <c>realpath</c>).</summary>
    internal static string ResolveLinks(string fullPath)
    {
        string root = Path.GetPathRoot(fullPath) ?? string.Empty;
        string current = root;
        foreach (string part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            try
            {
                FileSystemInfo? target = new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true);
                current = target is null ? next : Path.GetFullPath(target.FullName);
            }
            catch (IOException)
            {
                current = next;
            }
        }

        return current;
    }

    private static unsafe string? RealPath(string path)
    {
        nint resolved = Native.RealPath(path, 0);
        if (resolved == 0)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            NativeMemory.Free((void*)resolved);
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
        public static partial nint RealPath(string path, nint resolved);
    }
}
