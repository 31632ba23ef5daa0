using System.Diagnostics;
using Tmds.DBus.Protocol;

namespace Codex.Auth.TestSupport;

/// <summary>
/// A real Secret Service for the tests: a private <c>dbus-daemon</c> and a <c>gnome-keyring-daemon</c> on it with an
/// unlocked login keyring, both started here as real processes in a temp directory (their own HOME and XDG dirs), and
/// stopped on dispose. Needs the Debian packages dbus-daemon and gnome-keyring (<c>.ci/run</c> installs them).
/// </summary>
public sealed class SecretServiceDaemon : IAsyncLifetime
{
    private const string SecretsName = "org.freedesktop.secrets";
    private readonly TempDirectory _root = new();
    private Process? _bus;
    private Process? _keyring;

    /// <summary>Gets why the daemons cannot run here, or <see langword="null"/> when they can.</summary>
    public static string? MissingReason { get; } = FindMissing();

    /// <summary>Gets a value indicating whether a missing Secret Service must fail the run rather than skip (CI=true).</summary>
    public static bool Required => string.Equals(System.Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the private bus address (what DBUS_SESSION_BUS_ADDRESS would be).</summary>
    public string Address { get; private set; } = string.Empty;

    /// <summary>Gets the environment a child process needs to reach this Secret Service.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string>
    {
        ["DBUS_SESSION_BUS_ADDRESS"] = Address,
    };

    public async Task InitializeAsync()
    {
        if (MissingReason is { } missing)
        {
            if (Required)
            {
                throw new InvalidOperationException("CI=true but the Secret Service tests cannot run: " + missing);
            }

            return; // the tests are skipped (SecretServiceFactAttribute) with this reason
        }

        string busDir = Directory.CreateDirectory(Path.Combine(_root.Path, "bus")).FullName;
        string config = Path.Combine(_root.Path, "session.conf");
        File.WriteAllText(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:dir={busDir}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """);

        // No <servicedir>: nothing is auto-activated, so only the daemon started below can own org.freedesktop.secrets.
        var busInfo = new ProcessStartInfo("dbus-daemon")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        busInfo.ArgumentList.Add("--config-file=" + config);
        busInfo.ArgumentList.Add("--nofork");
        busInfo.ArgumentList.Add("--print-address=1");
        _bus = Process.Start(busInfo)!;
        string? address = await _bus.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (string.IsNullOrEmpty(address))
        {
            throw new InvalidOperationException("dbus-daemon did not print its address: " + await _bus.StandardError.ReadToEndAsync());
        }

        Address = address.Trim();

        // Watch for the Secret Service's name before starting it, so its arrival cannot be missed.
        using var watcher = new DBusConnection(Address);
        await watcher.ConnectAsync();
        var owned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable match = await watcher.AddMatchAsync(
            new MatchRule { Type = MessageType.Signal, Interface = "org.freedesktop.DBus", Member = "NameOwnerChanged", Arg0 = SecretsName },
            static (message, _) =>
            {
                Reader reader = message.GetBodyReader();
                _ = reader.ReadString();
                _ = reader.ReadString();
                return reader.ReadString();
            },
            notification =>
            {
                if (notification.HasValue && !string.IsNullOrEmpty(notification.Value))
                {
                    owned.TrySetResult();
                }
            },
            emitOnCapturedContext: false,
            ObserverFlags.None,
            null);

        string home = Directory.CreateDirectory(Path.Combine(_root.Path, "home")).FullName;
        string runtime = Path.Combine(_root.Path, "run");
        Directory.CreateDirectory(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var keyringInfo = new ProcessStartInfo("gnome-keyring-daemon")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        keyringInfo.ArgumentList.Add("--foreground");
        keyringInfo.ArgumentList.Add("--components=secrets");
        keyringInfo.ArgumentList.Add("--unlock");
        keyringInfo.Environment["DBUS_SESSION_BUS_ADDRESS"] = Address;
        keyringInfo.Environment["HOME"] = home;
        keyringInfo.Environment["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share");
        keyringInfo.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, ".config");
        keyringInfo.Environment["XDG_CACHE_HOME"] = Path.Combine(home, ".cache");
        keyringInfo.Environment["XDG_RUNTIME_DIR"] = runtime;
        keyringInfo.Environment.Remove("DISPLAY");
        keyringInfo.Environment.Remove("WAYLAND_DISPLAY");
        _keyring = Process.Start(keyringInfo)!;
        _keyring.OutputDataReceived += (_, _) => { };
        _keyring.ErrorDataReceived += (_, _) => { };
        _keyring.BeginOutputReadLine();
        _keyring.BeginErrorReadLine();

        // --unlock reads the login keyring's password from stdin (creating the keyring with it).
        await _keyring.StandardInput.WriteAsync("codex-auth-test-password");
        _keyring.StandardInput.Close();

        await owned.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public Task DisposeAsync()
    {
        Stop(_keyring);
        Stop(_bus);
        _root.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Runs <c>secret-tool</c> against this Secret Service (test setup only), returning stdout.</summary>
    public async Task<string> SecretToolAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("secret-tool")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DBUS_SESSION_BUS_ADDRESS"] = Address;
        using Process process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (process.ExitCode != 0 && !(args.Length > 0 && args[0] == "lookup"))
        {
            throw new InvalidOperationException($"secret-tool {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }

        // `secret-tool search` prints the label and secret on stdout but the attributes on stderr.
        return args.Length > 0 && args[0] == "search" ? await stdout + await stderr : await stdout;
    }

    private static void Stop(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the Secret Service tests run on Linux only";
        }

        string[] missing = new[] { "dbus-daemon", "gnome-keyring-daemon", "secret-tool" }.Where(tool => !OnPath(tool)).ToArray();
        return missing.Length == 0
            ? null
            : $"{string.Join(", ", missing)} not found; install the Debian packages dbus-daemon, gnome-keyring and libsecret-tools (.ci/run does)";
    }

    private static bool OnPath(string tool) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
