using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace Codex.Auth.Storage.Keyring;

/// <summary>
/// The Windows Credential Manager (<c>CredReadW</c> / <c>CredWriteW</c> / <c>CredDeleteW</c>), named as the Rust
/// <c>keyring</c> crate names it: a generic credential with target name <c>&lt;user&gt;.Codex Auth</c>, user name
/// <c>&lt;user&gt;</c>, persisted for the user (<c>CRED_PERSIST_ENTERPRISE</c>).
/// </summary>
/// <remarks>
/// The Rust crate's <c>set_password</c>, which the Codex CLI calls, stores the text as UTF-16LE, so that is what is
/// written; a UTF-8 blob (as PROTOCOL §1 describes it) is read too. Either way the blob is limited to 2,560 bytes, so
/// a ChatGPT sign-in (several kilobytes) does not fit: a typed <see cref="CodexAuthFailureReason.CredentialTooLarge"/>
/// error, on which <c>auto</c> uses auth.json — as the Codex CLI does.
/// </remarks>
internal sealed partial class WindowsCredentialManager : IKeyringBackend
{
    /// <summary><c>CRED_MAX_CREDENTIAL_BLOB_SIZE</c>: 5 × 512 bytes.</summary>
    public const int MaxBlobBytes = 2560;

    private const int CredTypeGeneric = 1;
    private const int CredPersistEnterprise = 3;
    private const int ErrorNotFound = 1168;

    /// <inheritdoc />
    public string Name => "Windows Credential Manager";

    /// <inheritdoc />
    public int MaxSecretBytes => MaxBlobBytes;

    /// <summary>The credential blob for <paramref name="secret"/>: UTF-16LE without a terminator, as the Rust crate writes it.</summary>
    internal static byte[] Encode(string secret) => Encoding.Unicode.GetBytes(secret);

    /// <summary>Reads a blob written as UTF-16LE (the Rust crate) or as UTF-8.</summary>
    internal static string Decode(ReadOnlySpan<byte> blob)
    {
        // JSON starts with an ASCII character; in UTF-16LE its second byte is zero, in UTF-8 it is not.
        bool utf16 = blob.Length >= 2 && blob.Length % 2 == 0 && blob[1] == 0 && blob[0] != 0;
        try
        {
            return utf16
                ? new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true).GetString(blob)
                : new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(blob);
        }
        catch (DecoderFallbackException ex)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedStore,
                "The Windows Credential Manager entry for Codex is neither UTF-16 nor UTF-8 text. It has not been modified.",
                "Remove the entry (`codex logout`) and sign in again.",
                ex);
        }
    }

    /// <summary>The typed error for a Win32 error code from the credential functions.</summary>
    internal static CodexAuthException Failure(string operation, int error) => KeyringErrors.Unavailable(
        "Windows Credential Manager",
        error switch
        {
            1312 => $"{operation} failed: there is no logon session (ERROR_NO_SUCH_LOGON_SESSION; a service account without a profile)",
            5 => $"{operation} failed: access denied",
            _ => $"{operation} failed with Win32 error {error}",
        });

    /// <inheritdoc />
    public ValueTask<string?> ReadAsync(string user, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!OperatingSystem.IsWindows())
        {
            throw KeyringErrors.NotSupported(System.Runtime.InteropServices.RuntimeInformation.OSDescription);
        }

        return new ValueTask<string?>(Read(user));
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(string user, string secret, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        byte[] blob = Encode(secret);
        try
        {
            if (blob.Length > MaxBlobBytes)
            {
                throw KeyringErrors.TooLarge(Name, blob.Length, MaxBlobBytes);
            }

            if (!OperatingSystem.IsWindows())
            {
                throw KeyringErrors.NotSupported(System.Runtime.InteropServices.RuntimeInformation.OSDescription);
            }

            Write(user, blob);
            return default;
        }
        finally
        {
            Array.Clear(blob);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string user, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!OperatingSystem.IsWindows())
        {
            throw KeyringErrors.NotSupported(System.Runtime.InteropServices.RuntimeInformation.OSDescription);
        }

        if (Native.CredDeleteW(KeyringEntryName.WindowsTargetName(user), CredTypeGeneric, 0))
        {
            return new ValueTask<bool>(true);
        }

        int error = Marshal.GetLastPInvokeError();
        return error == ErrorNotFound ? new ValueTask<bool>(false) : throw Failure("CredDeleteW", error);
    }

    /// <inheritdoc />
    public ValueTask<IDisposable?> TrySubscribeAsync(string user, Action onChanged, Action onLost, CancellationToken cancellationToken) =>
        new((IDisposable?)null); // the Credential Manager sends no change notifications: the store polls

    /// <inheritdoc />
    public void Dispose()
    {
    }

    [SupportedOSPlatform("windows")]
    private static unsafe string? Read(string user)
    {
        if (!Native.CredReadW(KeyringEntryName.WindowsTargetName(user), CredTypeGeneric, 0, out nint credential))
        {
            int error = Marshal.GetLastPInvokeError();
            return error == ErrorNotFound ? null : throw Failure("CredReadW", error);
        }

        try
        {
            var native = (NativeCredential*)credential;
            var blob = new Span<byte>((void*)native->CredentialBlob, checked((int)native->CredentialBlobSize));
            try
            {
                return Decode(blob);
            }
            finally
            {
                blob.Clear();
            }
        }
        finally
        {
            Native.CredFree(credential);
        }
    }

    [SupportedOSPlatform("windows")]
    private static unsafe void Write(string user, byte[] blob)
    {
        fixed (char* target = KeyringEntryName.WindowsTargetName(user))
        fixed (char* userName = user)
        fixed (char* comment = "keyring v" + KeyringEntryName.KeyringCrateVersion)
        fixed (char* alias = string.Empty)
        fixed (byte* data = blob)
        {
            var credential = new NativeCredential
            {
                Type = CredTypeGeneric,
                TargetName = (nint)target,
                Comment = (nint)comment,
                CredentialBlobSize = (uint)blob.Length,
                CredentialBlob = (nint)data,
                Persist = CredPersistEnterprise,
                TargetAlias = (nint)alias,
                UserName = (nint)userName,
            };
            if (!Native.CredWriteW(ref credential, 0))
            {
                throw Failure("CredWriteW", Marshal.GetLastPInvokeError());
            }
        }
    }

    /// <summary><c>CREDENTIALW</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct NativeCredential
    {
        public uint Flags;
        public uint Type;
        public nint TargetName;
        public nint Comment;
        public uint LastWrittenLow;
        public uint LastWrittenHigh;
        public uint CredentialBlobSize;
        public nint CredentialBlob;
        public uint Persist;
        public uint AttributeCount;
        public nint Attributes;
        public nint TargetAlias;
        public nint UserName;
    }

    private static partial class Native
    {
        [LibraryImport("advapi32.dll", EntryPoint = "CredReadW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static partial bool CredReadW(string target, int type, int flags, out nint credential);

        [LibraryImport("advapi32.dll", EntryPoint = "CredWriteW", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static partial bool CredWriteW(ref NativeCredential credential, int flags);

        [LibraryImport("advapi32.dll", EntryPoint = "CredDeleteW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
        [return: MarshalAs(UnmanagedType.Bool)]
        public static partial bool CredDeleteW(string target, int type, int flags);

        [LibraryImport("advapi32.dll", EntryPoint = "CredFree")]
        public static partial void CredFree(nint buffer);
    }
}
