using System.Net.Sockets;

namespace Codex.Auth.SignIn;

/// <summary>The browser's request to <c>/auth/callback</c>, held open until the flow answers it. Holds the authorization code.</summary>
internal sealed class CallbackRequest(TcpClient client, IReadOnlyDictionary<string, string> query) : IDisposable
{
    private int _responded;

    public IReadOnlyDictionary<string, string> Query { get; } = query;

    public string? Get(string name) => Query.TryGetValue(name, out string? v) ? v : null;

    /// <summary>Answers the browser with a small HTML page, once; failures to write are ignored (the browser may be gone).</summary>
    public async Task RespondAsync(int status, string message)
    {
        if (Interlocked.Exchange(ref _responded, 1) != 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await LoopbackCallbackServer.WriteAsync(client.GetStream(), status, message, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    public void Dispose() => client.Dispose();

    public override string ToString() => "callback";
}
