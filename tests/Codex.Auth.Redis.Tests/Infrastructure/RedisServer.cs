using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> started by the test itself on a free loopback port, in its own temp directory
/// (<c>--save '' --appendonly no</c> unless persistence is asked for), stopped on dispose. It can be paused
/// (SIGSTOP), resumed, SIGKILLed and restarted on the same port and directory.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly bool _persistent;
    private Process? _process;

    private RedisServer(int port, bool persistent)
    {
        Port = port;
        _persistent = persistent;
    }

    public int Port { get; }

    public int? ProcessId => _process?.Id;

    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>Gets a store URI for <paramref name="name"/>.</summary>
    public string StoreUri(string name) => $"redis://127.0.0.1:{Port}?name={name}";

    /// <summary>Starts a server. With <paramref name="persistent"/>, every write is fsynced to an append-only file, so the data survives SIGKILL.</summary>
    public static async Task<RedisServer> StartAsync(bool persistent = false)
    {
        var server = new RedisServer(LoopbackPorts.Free(), persistent);
        await server.StartProcessAsync();
        return server;
    }

    public static string Executable
    {
        get
        {
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/bin").Append("/usr/sbin"))
            {
                string candidate = Path.Combine(dir, "redis-server");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("redis-server is not installed: these tests need a real Redis (.ci/run installs Debian's redis-server; or `apt-get install redis-server`).");
        }
    }

    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    /// <summary>SIGKILLs the server and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        if (_process is { } p)
        {
            p.Kill();
            await p.WaitForExitAsync();
            p.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server again on the same port and directory (after <see cref="KillAsync"/>).</summary>
    public Task RestartAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        if (_process is { } p)
        {
            try
            {
                Signal("CONT");
            }
            catch (InvalidOperationException)
            {
            }

            await KillAsync();
        }

        _dir.Dispose();
    }


    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir.Path,
        };
        foreach (string arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _dir.Path, "--save", "", "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "notice" })
        {
            info.ArgumentList.Add(arg);
        }

        if (_persistent)
        {
            foreach (string arg in new[] { "--appendonly", "yes", "--appendfsync", "always" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        else
        {
            info.ArgumentList.Add("--appendonly");
            info.ArgumentList.Add("no");
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start.");
        _process = process;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("redis-server exited: " + log));
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private void Signal(string signal)
    {
        int pid = _process?.Id ?? throw new InvalidOperationException("redis-server is not running.");
        using Process kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed.");
        }
    }
}
