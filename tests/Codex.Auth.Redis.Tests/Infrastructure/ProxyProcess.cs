namespace Codex.Auth.Redis.Tests.Infrastructure;

/// <summary>A real <c>codex-auth proxy</c> process (<see cref="CliProcess"/>) with its own CODEX_HOME; killed on dispose if still running.</summary>
public sealed class ProxyProcess : IAsyncDisposable
{
    private const string Listening = "listening on ";
    private readonly CliProcess _cli;

    private ProxyProcess(CliProcess cli) => _cli = cli;

    public static string CliPath => CliProcess.CliPath;

    public int Id => _cli.Id;

    /// <summary>Gets everything the process wrote so far (stdout then stderr).</summary>
    public string Output => _cli.Stdout + _cli.Stderr;

    /// <summary>Starts <c>codex-auth proxy --listen 127.0.0.1:0 …</c> and waits (bounded) for its <c>listening on URL</c> line.</summary>
    public static async Task<(ProxyProcess Process, Uri Address)> StartAsync(string codexHome, IReadOnlyDictionary<string, string> env, IEnumerable<string> args, TimeSpan patience)
    {
        var proxy = new ProxyProcess(CliProcess.Start(codexHome, ["proxy", "--listen", "127.0.0.1:0", .. args], null, env));
        try
        {
            string line = await proxy._cli.WaitForStdoutLineAsync(Listening).WaitAsync(patience);
            return (proxy, new Uri(line[Listening.Length..].Trim(), UriKind.Absolute));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            string output = proxy.Output;
            await proxy.DisposeAsync();
            throw new InvalidOperationException($"codex-auth proxy did not start: {ex.Message} Output: {output}", ex);
        }
    }

    /// <summary>Sends SIGTERM and waits (bounded) for the exit; returns the exit code.</summary>
    public Task<int> StopAsync(TimeSpan patience) => _cli.StopAsync(patience);

    public ValueTask DisposeAsync()
    {
        _cli.Dispose();
        return ValueTask.CompletedTask;
    }
}
