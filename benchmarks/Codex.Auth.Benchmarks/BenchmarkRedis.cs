using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// A throw-away <c>redis-server</c> for the Redis benchmarks: started on a free loopback port in a temp directory
/// (no persistence), stopped and deleted on dispose. Found on PATH (or /usr/bin, /usr/sbin); when it is missing the
/// Redis benchmarks are left out of the run with a note (<see cref="MissingNote"/>), they never crash the suite.
/// </summary>
internal sealed class BenchmarkRedis : IDisposable
{
    /// <summary>The commands a client sends without touching the sign-in: connection set-up, keep-alive, pub/sub, and our own INFO.</summary>
    private static readonly HashSet<string> s_housekeeping = new(StringComparer.OrdinalIgnoreCase)
    {
        "ping", "echo", "info", "client", "cluster", "config", "subscribe", "unsubscribe", "psubscribe", "punsubscribe",
        "hello", "auth", "select", "command", "role", "sentinel",
    };

    private readonly Process _process;
    private readonly string _directory;

    private BenchmarkRedis(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>Gets the path of redis-server, or <see langword="null"/> when it is not installed.</summary>
    public static string? Executable { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/sbin")
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);

    public static bool IsAvailable => Executable is not null;

    public const string MissingNote = "redis-server is not on PATH, so the Redis benchmarks are left out (install it, e.g. `apt-get install redis-server`, to run them)";

    public int Port { get; }

    public string EndPoint => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts a server and waits (up to 30 s) until it accepts connections.</summary>
    /// <exception cref="InvalidOperationException">redis-server is not installed, or did not start.</exception>
    public static BenchmarkRedis Start()
    {
        string executable = Executable ?? throw new InvalidOperationException(MissingNote + ".");
        string directory = Path.Combine(Path.GetTempPath(), "codex-auth-bench-redis-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        int port = FreePort();
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (string arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning" })
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new BenchmarkRedis(process, directory, port);

        // Ready when it accepts a connection and answers PING (the "ready" log line is not printed at --loglevel warning).
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using (var tcp = new TcpClient())
                {
                    tcp.Connect(IPAddress.Loopback, port);
                }

                using ConnectionMultiplexer probe = server.Connect();
                probe.GetDatabase().Ping();
                return server;
            }
            catch (Exception ex) when (ex is SocketException or RedisException)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30) || process.HasExited)
                {
                    string output;
                    lock (log)
                    {
                        output = log.ToString();
                    }

                    server.Dispose();
                    throw new InvalidOperationException($"redis-server on {server.EndPoint} did not start: {output}", ex);
                }

                Thread.Sleep(50);
            }
        }
    }

    /// <summary>A new connection (a separate "machine").</summary>
    public ConnectionMultiplexer Connect()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 10_000,
            AsyncTimeout = 10_000,
            SyncTimeout = 10_000,
            AllowAdmin = true,
        };
        options.EndPoints.Add(EndPoint);
        return ConnectionMultiplexer.Connect(options);
    }

    /// <summary>The number of commands the server has run that read or write data (housekeeping excluded), from <c>INFO commandstats</c>.</summary>
    public static long DataCommands(IConnectionMultiplexer connection)
    {
        IServer server = connection.GetServer(connection.GetEndPoints()[0]);
        long total = 0;
        foreach (IGrouping<string, KeyValuePair<string, string>> section in server.Info("commandstats"))
        {
            foreach ((string key, string value) in section)
            {
                // cmdstat_hget: calls=12,usec=34,...
                string command = key.StartsWith("cmdstat_", StringComparison.Ordinal) ? key["cmdstat_".Length..] : key;
                if (s_housekeeping.Contains(command.Split('|')[0]))
                {
                    continue;
                }

                string calls = value.Split(',')[0];
                total += long.Parse(calls["calls=".Length..], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
