using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary>A real <c>codex-auth proxy</c> process (the built codex-auth.dll) with its own CODEX_HOME; killed on dispose if still running.</summary>
public sealed class ProxyProcess : IAsyncDisposable
{
    private static readonly string[] s_scrubbed =
    [
        "CODEX_API_KEY", "CODEX_ACCESS_TOKEN", "CODEX_AGENT_IDENTITY", "OPENAI_API_KEY", "CODEX_AUTH_STORE_KEY",
        "CODEX_REVOKE_TOKEN_URL_OVERRIDE", "CODEX_REFRESH_TOKEN_URL_OVERRIDE", "CODEX_APP_SERVER_LOGIN_CLIENT_ID",
    ];

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProxyProcess(Process process) => _process = process;

    public static string CliPath { get; } =
        typeof(ProxyProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "CodexAuthCliPath").Value!;

    public int Id => _process.Id;

    /// <summary>Gets everything the process wrote so far (stdout then stderr).</summary>
    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString() + _stderr;
            }
        }
    }

    /// <summary>Starts <c>codex-auth proxy --listen 127.0.0.1:0 …</c> and waits (bounded) for its <c>listening on URL</c> line.</summary>
    public static async Task<(ProxyProcess Process, Uri Address)> StartAsync(string codexHome, IReadOnlyDictionary<string, string> env, IEnumerable<string> args, TimeSpan patience)
    {
        Assert.True(File.Exists(CliPath), $"The CLI was not built at {CliPath}.");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(CliPath);
        info.ArgumentList.Add("proxy");
        info.ArgumentList.Add("--listen");
        info.ArgumentList.Add("127.0.0.1:0");
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
        foreach ((string name, string value) in env)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var proxy = new ProxyProcess(process);
        process.OutputDataReceived += (_, e) => proxy.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.OnStderr(e.Data);
        process.Exited += (_, _) => proxy._listening.TrySetException(new InvalidOperationException("codex-auth proxy exited before listening."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        try
        {
            Uri address = await proxy._listening.Task.WaitAsync(patience);
            return (proxy, address);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            string output = proxy.Output;
            await proxy.DisposeAsync();
            throw new InvalidOperationException($"codex-auth proxy did not start: {ex.Message} Output: {output}", ex);
        }
    }

    /// <summary>Sends SIGTERM and waits (bounded) for the exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan patience)
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(patience);
        _process.WaitForExit(); // flushes the redirected streams
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (TimeoutException)
        {
        }

        _process.Dispose();
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stdout)
        {
            _stdout.AppendLine(line);
        }

        const string Prefix = "listening on ";
        if (line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            _listening.TrySetResult(new Uri(line[Prefix.Length..].Trim(), UriKind.Absolute));
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stdout)
        {
            _stderr.AppendLine(line);
        }
    }
}
