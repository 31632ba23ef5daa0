namespace Codex.Auth.Storage.Keyring;

/// <summary>Chooses the keyring of the platform the process runs on.</summary>
internal static class KeyringBackends
{
    private static readonly Lazy<IKeyringBackend> s_shared = new(ForCurrentPlatform, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets the process-wide keyring client (one D-Bus connection per process, made on first use, remade after a failure).</summary>
    public static IKeyringBackend Shared => s_shared.Value;

    public static IKeyringBackend ForCurrentPlatform()
    {
        if (OperatingSystem.IsWindows())
        {
            return new WindowsCredentialManager();
        }

        if (OperatingSystem.IsMacOS())
        {
            return new MacKeychain();
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD())
        {
            return new SecretServiceKeyring();
        }

        return new UnsupportedKeyring(System.Runtime.InteropServices.RuntimeInformation.OSDescription);
    }
}
