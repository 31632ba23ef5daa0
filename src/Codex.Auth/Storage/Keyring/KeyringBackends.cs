namespace Codex.Auth.Storage.Keyring;

/// <summary>Chooses the keyring of the platform the process runs on.</summary>
internal static class KeyringBackends
{
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
