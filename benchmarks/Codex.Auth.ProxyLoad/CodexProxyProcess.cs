using System.Diagnostics;

namespace Codex.Auth.ProxyLoad;

/// <summary>
/// <c>codex-auth proxy --forward-host-credentials</c> as a real process against a fake Codex home. Ready time is from
/// <see cref="Process.Start()"/> to the one <c>listening on URL</c> line on stdout; stderr is drained and its lines counted.
/// </summary>
internal sealed class CodexProxyProcess : IDisposable
{
    private readonly Process _process;
    private long _stderrLines;

    private CodexProxyProcess(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;

    public TimeSpan Ready { get; private set; }

    public int ProcessId => _process.Id;

    public long StderrLines => Interlocked.Read(ref _stderrLines);

    public static async Task<CodexProxyProcess> StartAsync(string cli, string codexHome, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        bool dll = cli.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(dll ? "dotnet" : cli) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        if (dll)
        {
            info.ArgumentList.Add(cli);
        }

        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string name in info.Environment.Keys.Where(k => k.StartsWith("CODEX_", StringComparison.Ordinal) || k == "OPENAI_API_KEY").ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["CODEX_HOME"] = codexHome;
        foreach ((string name, string value) in environment)
        {
            info.Environment[name] = value;
        }

        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new System.Text.StringBuilder();
        var process = new Process { StartInfo = info };
        var proxy = new CodexProxyProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening on ", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult(e.Data["listening on ".Length..]);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (Interlocked.Increment(ref proxy._stderrLines) < 50)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        long started = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        Task exited = process.WaitForExitAsync();
        Task first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
        if (first != listening.Task)
        {
            proxy.Dispose();
            lock (stderr)
            {
                throw new InvalidOperationException("codex-auth proxy did not print its listening line: " + stderr);
            }
        }

        proxy.Ready = Stopwatch.GetElapsedTime(started);
        proxy.Address = new Uri(await listening.Task.ConfigureAwait(false));
        return proxy;
    }

    /// <summary>SIGTERM, then the exit code (or -1 when it had to be killed).</summary>
    public async Task<int> StopAsync()
    {
        Signals.Send(_process.Id, Signals.SigTerm);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            return -1;
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
}
