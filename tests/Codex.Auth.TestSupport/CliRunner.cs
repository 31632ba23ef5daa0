using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Codex.Auth.TestSupport;

/// <summary>The result of one <c>codex-auth</c> process.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;
}

/// <summary>Runs the built <c>codex-auth</c> (codex-auth.dll) as a real child process with a controlled environment.</summary>
public sealed class CliProcess : IDisposable
{
    private static readonly string[] s_scrubbed =
    [
        "CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "CODEX_AGENT_IDENTITY", "OPENAI_API_KEY", "CODEX_AUTH_STORE_KEY",
        "CODEX_REVOKE_TOKEN_URL_OVERRIDE", "CODEX_REFRESH_TOKEN_URL_OVERRIDE", "CODEX_APP_SERVER_LOGIN_CLIENT_ID",
    ];

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();
    private readonly List<(StringBuilder Stream, string Needle, TaskCompletionSource Seen)> _waits = [];

    private CliProcess(Process process) => _process = process;

    /// <summary>
    /// Whether the CLI is started through GNU <c>env --default-signal=INT</c> (which execs it, so the pid is the CLI's). A test run
    /// started in the background by a shell without job control inherits SIGINT as ignored, and .NET keeps an inherited SIG_IGN,
    /// so the CLI would never see the Ctrl+C a test sends; this gives it the default disposition, as a terminal session has.
    /// </summary>
    private static readonly bool s_envResetsSigint = OperatingSystem.IsLinux() && EnvResetsSigint();

    public static string CliPath { get; } =
        typeof(CliProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CodexAuthCliPath").Value!;

    public int Id => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Gets what the process wrote to stdout so far.</summary>
    public string Stdout
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the CLI with a scrubbed environment (no credential variables of the machine's own). <paramref name="runAs"/> is a
    /// command that runs the rest of its arguments (for example <c>setpriv --reuid=65534 …</c>), for a CLI run as another user.
    /// </summary>
    public static CliProcess Start(string codexHome, IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null, IReadOnlyList<string>? runAs = null)
    {
        Assert.True(File.Exists(CliPath), $"The CLI was not built at {CliPath}.");
        string launcher = s_envResetsSigint ? "env" : "dotnet";
        var info = new ProcessStartInfo(runAs is { Count: > 0 } ? runAs[0] : launcher)
        {
            WorkingDirectory = workingDirectory ?? string.Empty,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (runAs is { Count: > 0 })
        {
            foreach (string arg in runAs.Skip(1))
            {
                info.ArgumentList.Add(arg);
            }

            info.ArgumentList.Add(launcher);
        }

        if (s_envResetsSigint)
        {
            info.ArgumentList.Add("--default-signal=INT");
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(CliPath);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string name in s_scrubbed)
        {
            info.Environment.Remove(name);
        }

        info.Environment["CODEX_HOME"] = codexHome;
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach ((string name, string value) in env ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => cli.Append(cli._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => cli.Append(cli._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        return cli;
    }

    public static async Task<CliResult> RunAsync(string codexHome, IEnumerable<string> args, string? stdin = null, IReadOnlyDictionary<string, string>? env = null, IReadOnlyList<string>? runAs = null)
    {
        using CliProcess cli = Start(codexHome, args, stdin, env, runAs: runAs);
        return await cli.WaitForExitAsync();
    }

    /// <summary>Completes when stderr has contained <paramref name="needle"/>.</summary>
    public Task WaitForStderrAsync(string needle) => WaitForAsync(_stderr, needle);

    /// <summary>Completes when stdout has contained <paramref name="needle"/>.</summary>
    public Task WaitForStdoutAsync(string needle) => WaitForAsync(_stdout, needle);

    /// <summary>Waits for the first stdout line that starts with <paramref name="prefix"/> and returns it.</summary>
    public async Task<string> WaitForStdoutLineAsync(string prefix)
    {
        Task exited = _process.WaitForExitAsync();
        Task seen = WaitForStdoutAsync(prefix);
        if (await Task.WhenAny(seen, exited) != seen)
        {
            _process.WaitForExit();
            throw new InvalidOperationException($"codex-auth exited with {_process.ExitCode} before printing '{prefix}'. stderr: {Stderr}");
        }

        await seen;
        lock (_gate)
        {
            return _stdout.ToString().Split('\n').Select(l => l.TrimEnd('\r')).First(l => l.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    private Task WaitForAsync(StringBuilder stream, string needle)
    {
        lock (_gate)
        {
            if (stream.ToString().Contains(needle, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waits.Add((stream, needle, seen));
            return seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async Task<CliResult> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"codex-auth did not exit. stderr: {Stderr}");
        }

        _process.WaitForExit(); // flushes the redirected streams
        lock (_gate)
        {
            return new CliResult(_process.ExitCode, _stdout.ToString(), _stderr.ToString());
        }
    }

    /// <summary>Sends the CLI a signal (<c>TERM</c>, <c>INT</c>, …) with kill(1), which must succeed.</summary>
    public void Signal(string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Sends SIGTERM and waits (bounded, as <see cref="WaitForExitAsync"/>) for the exit: its code and everything it wrote.</summary>
    public Task<CliResult> TerminateAsync()
    {
        Signal("TERM");
        return WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM and waits at most <paramref name="patience"/> for the exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan patience)
    {
        Signal("TERM");
        await _process.WaitForExitAsync().WaitAsync(patience);
        _process.WaitForExit(); // flushes the redirected streams
        return _process.ExitCode;
    }

    private static bool EnvResetsSigint()
    {
        try
        {
            using Process probe = Process.Start(new ProcessStartInfo("env", ["--default-signal=INT", "true"]) { UseShellExecute = false })!;
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            target.AppendLine(line);
            string all = target.ToString();
            foreach ((StringBuilder stream, string needle, TaskCompletionSource seen) in _waits.Where(w => ReferenceEquals(w.Stream, target) && all.Contains(w.Needle, StringComparison.Ordinal)).ToList())
            {
                seen.TrySetResult();
                _waits.Remove((stream, needle, seen));
            }
        }
    }
}
