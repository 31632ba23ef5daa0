namespace Codex.Auth.Storage.Keyring;

/// <summary>Chooses the keyring of the platform the process runs on.</summary>
internal static class KeyringBackends
{
    private static readonly Lazy<IKeyringBackend> s_shared = new(ForCurrentPlatform, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SecretServiceKeyring> s_byAddress = new(StringComparer.Ordinal);

    /// <summary>The variable that names the D-Bus session bus.</summary>
    public const string SessionBusVariable = "DBUS_SESSION_BUS_ADDRESS";

    /// <summary>Gets the process-wide keyring client (one D-Bus connection per process, made on first use, remade after a failure).</summary>
    public static IKeyringBackend Shared => s_shared.Value;

    /// <summary>
    /// The keyring client for an environment: the process-wide one, except on Linux when the environment names another
    /// session bus (<c>DBUS_SESSION_BUS_ADDRESS</c>), which gets one client per address for the life of the process.
    /// </summary>
    public static IKeyringBackend For(CodexEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (ReferenceEquals(environment, CodexEnvironment.Process) || !(OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD()))
        {
            return Shared;
        }

        string address = environment.GetVariable(SessionBusVariable) ?? string.Empty;
        if (address == (System.Environment.GetEnvironmentVariable(SessionBusVariable) ?? string.Empty))
        {
            return Shared;
        }

        // An empty address is kept as such: that client reports "no D-Bus session bus" instead of using the process's.
        return s_byAddress.GetOrAdd(address, static a => new SecretServiceKeyring(a.Length == 0 ? NoBus : a));
    }

    /// <summary>An address no bus listens on, for an environment without DBUS_SESSION_BUS_ADDRESS.</summary>
    private const string NoBus = "unix:path=/nonexistent/codex-auth-no-session-bus";

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
