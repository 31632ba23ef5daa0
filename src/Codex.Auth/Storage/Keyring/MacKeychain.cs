using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace Codex.Auth.Storage.Keyring;

/// <summary>
/// The macOS login keychain through the Security framework: a generic password with service <c>Codex Auth</c> and
/// account <c>&lt;user&gt;</c>, the secret as UTF-8 — what the Rust <c>keyring</c> crate the Codex CLI uses writes.
/// </summary>
/// <remarks>
/// The first read of an item another program created may make macOS ask the user to allow access ("Always Allow"
/// avoids asking again). A locked keychain, or a process with no user interface to ask in, is a typed error.
/// </remarks>
internal sealed partial class MacKeychain : IKeyringBackend
{
    private const string Security = "/System/Library/Frameworks/Security.framework/Security";
    private const string CoreFoundation = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";
    private const int ErrSecItemNotFound = -25300;

    /// <inheritdoc />
    public string Name => "macOS keychain";

    /// <inheritdoc />
    public int MaxSecretBytes => SecretServiceKeyring.DefaultMaxSecretBytes;

    /// <summary>The password data for <paramref name="secret"/>: UTF-8, as the Rust crate's <c>set_password</c> writes it.</summary>
    internal static byte[] Encode(string secret) => Encoding.UTF8.GetBytes(secret);

    /// <summary>Reads password data as UTF-8.</summary>
    internal static string Decode(ReadOnlySpan<byte> data)
    {
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(data);
        }
        catch (DecoderFallbackException ex)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedStore,
                "The keychain item for Codex is not UTF-8 text. It has not been modified.",
                "Remove the item (`codex logout`) and sign in again.",
                ex);
        }
    }

    /// <summary>The typed error for a Security framework status code.</summary>
    internal static CodexAuthException Failure(string operation, int status) => KeyringErrors.Unavailable(
        "macOS keychain",
        status switch
        {
            -25308 => $"{operation} failed: the keychain is locked and this process cannot ask to unlock it (errSecInteractionNotAllowed)",
            -25293 => $"{operation} failed: access to the keychain item was not allowed (errSecAuthFailed)",
            -128 => $"{operation} failed: access to the keychain item was denied in the prompt (errSecUserCanceled)",
            -25294 or -25307 => $"{operation} failed: there is no default keychain (errSecNoSuchKeychain / errSecNoDefaultKeychain)",
            _ => $"{operation} failed with OSStatus {status}",
        });

    /// <inheritdoc />
    public ValueTask<string?> ReadAsync(string user, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!OperatingSystem.IsMacOS())
        {
            throw KeyringErrors.NotSupported(RuntimeInformation.OSDescription);
        }

        return new ValueTask<string?>(Read(user));
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(string user, string secret, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        byte[] data = Encode(secret);
        try
        {
            if (data.Length > MaxSecretBytes)
            {
                throw KeyringErrors.TooLarge(Name, data.Length, MaxSecretBytes);
            }

            if (!OperatingSystem.IsMacOS())
        {
            throw KeyringErrors.NotSupported(RuntimeInformation.OSDescription);
        }

            Write(user, data);
            return default;
        }
        finally
        {
            Array.Clear(data);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string user, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!OperatingSystem.IsMacOS())
        {
            throw KeyringErrors.NotSupported(RuntimeInformation.OSDescription);
        }

        return new ValueTask<bool>(Delete(user));
    }

    /// <inheritdoc />
    public ValueTask<IDisposable?> TrySubscribeAsync(string user, Action onChanged, Action onLost, CancellationToken cancellationToken) =>
        new((IDisposable?)null); // no change notifications for another program's writes: the store polls

    /// <inheritdoc />
    public void Dispose()
    {
    }

    [SupportedOSPlatform("macos")]
    private static unsafe string? Read(string user)
    {
        byte[] service = Encoding.UTF8.GetBytes(KeyringEntryName.Service);
        byte[] account = Encoding.UTF8.GetBytes(user);
        int status = Native.SecKeychainFindGenericPassword(0, (uint)service.Length, service, (uint)account.Length, account, out uint length, out nint data, 0);
        if (status == ErrSecItemNotFound)
        {
            return null;
        }

        if (status != 0)
        {
            throw Failure("SecKeychainFindGenericPassword", status);
        }

        try
        {
            var span = new Span<byte>((void*)data, checked((int)length));
            try
            {
                return Decode(span);
            }
            finally
            {
                span.Clear();
            }
        }
        finally
        {
            _ = Native.SecKeychainItemFreeContent(0, data);
        }
    }

    [SupportedOSPlatform("macos")]
    private static void Write(string user, byte[] secret)
    {
        byte[] service = Encoding.UTF8.GetBytes(KeyringEntryName.Service);
        byte[] account = Encoding.UTF8.GetBytes(user);
        int status = Native.SecKeychainFindGenericPasswordItem(0, (uint)service.Length, service, (uint)account.Length, account, 0, 0, out nint item);
        if (status == 0)
        {
            try
            {
                status = Native.SecKeychainItemModifyAttributesAndData(item, 0, (uint)secret.Length, secret);
                if (status != 0)
                {
                    throw Failure("SecKeychainItemModifyAttributesAndData", status);
                }

                return;
            }
            finally
            {
                Native.CFRelease(item);
            }
        }

        if (status != ErrSecItemNotFound)
        {
            throw Failure("SecKeychainFindGenericPassword", status);
        }

        status = Native.SecKeychainAddGenericPassword(0, (uint)service.Length, service, (uint)account.Length, account, (uint)secret.Length, secret, 0);
        if (status != 0)
        {
            throw Failure("SecKeychainAddGenericPassword", status);
        }
    }

    [SupportedOSPlatform("macos")]
    private static bool Delete(string user)
    {
        byte[] service = Encoding.UTF8.GetBytes(KeyringEntryName.Service);
        byte[] account = Encoding.UTF8.GetBytes(user);
        int status = Native.SecKeychainFindGenericPasswordItem(0, (uint)service.Length, service, (uint)account.Length, account, 0, 0, out nint item);
        if (status == ErrSecItemNotFound)
        {
            return false;
        }

        if (status != 0)
        {
            throw Failure("SecKeychainFindGenericPassword", status);
        }

        try
        {
            status = Native.SecKeychainItemDelete(item);
            return status == 0 ? true : throw Failure("SecKeychainItemDelete", status);
        }
        finally
        {
            Native.CFRelease(item);
        }
    }

    private static partial class Native
    {
        [LibraryImport(Security, EntryPoint = "SecKeychainFindGenericPassword")]
        public static partial int SecKeychainFindGenericPassword(
            nint keychainOrArray, uint serviceNameLength, byte[] serviceName, uint accountNameLength, byte[] accountName,
            out uint passwordLength, out nint passwordData, nint itemRef);

        [LibraryImport(Security, EntryPoint = "SecKeychainFindGenericPassword")]
        public static partial int SecKeychainFindGenericPasswordItem(
            nint keychainOrArray, uint serviceNameLength, byte[] serviceName, uint accountNameLength, byte[] accountName,
            nint passwordLength, nint passwordData, out nint itemRef);

        [LibraryImport(Security, EntryPoint = "SecKeychainAddGenericPassword")]
        public static partial int SecKeychainAddGenericPassword(
            nint keychain, uint serviceNameLength, byte[] serviceName, uint accountNameLength, byte[] accountName,
            uint passwordLength, byte[] passwordData, nint itemRef);

        [LibraryImport(Security, EntryPoint = "SecKeychainItemModifyAttributesAndData")]
        public static partial int SecKeychainItemModifyAttributesAndData(nint itemRef, nint attrList, uint length, byte[] data);

        [LibraryImport(Security, EntryPoint = "SecKeychainItemDelete")]
        public static partial int SecKeychainItemDelete(nint itemRef);

        [LibraryImport(Security, EntryPoint = "SecKeychainItemFreeContent")]
        public static partial int SecKeychainItemFreeContent(nint attrList, nint data);

        [LibraryImport(CoreFoundation, EntryPoint = "CFRelease")]
        public static partial void CFRelease(nint cf);
    }
}
