using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Codex.Auth.SignIn;

/// <summary>
/// The browser flow's local redirect target: a minimal HTTP/1.1 server on 127.0.0.1 that waits for one
/// <c>GET /auth/callback?…</c> and lets the caller answer it after the code exchange.
/// </summary>
/// <remarks>
/// Built on <see cref="TcpListener"/> rather than <see cref="HttpListener"/> or Kestrel: Kestrel would force a
/// <c>Microsoft.AspNetCore.App</c> framework reference on every consumer of the library; <see cref="HttpListener"/>
/// cannot bind port 0 (tests need an ephemeral port), registers URL prefixes rather than a socket, and on some
/// platforms needs URL ACLs. One request with a query string and a small HTML answer is all that is needed, and a
/// socket bound to the loopback address cannot be reached from another machine.
/// </remarks>
internal sealed class LoopbackCallbackServer : IAsyncDisposable
{
    private const int MaxRequestHeadBytes = 32 * 1024;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<CallbackRequest> _callback = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _acceptLoop;

    private LoopbackCallbackServer(TcpListener listener)
    {
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    public Uri RedirectUri => new($"http://localhost:{Port}/auth/callback");

    /// <summary>Listens on <paramref name="port"/>, or on <paramref name="fallbackPort"/> when it is taken.</summary>
    public static LoopbackCallbackServer Start(int port, int? fallbackPort)
    {
        TcpListener listener;
        try
        {
            listener = Listen(port);
        }
        catch (SocketException first) when (fallbackPort is { } fallback && fallback != port)
        {
            try
            {
                listener = Listen(fallback);
            }
            catch (SocketException ex)
            {
                throw SignInHttp.Failed(
                    $"The local sign-in callback server could not listen on 127.0.0.1:{port} ({first.SocketErrorCode}) or 127.0.0.1:{fallback} ({ex.SocketErrorCode}).",
                    "Close the program using those ports (perhaps another sign-in) or use `codex login --device-auth`.",
                    ex);
            }
        }
        catch (SocketException ex)
        {
            throw SignInHttp.Failed(
                $"The local sign-in callback server could not listen on 127.0.0.1:{port} ({ex.SocketErrorCode}).",
                "Close the program using that port (perhaps another sign-in) or use `codex login --device-auth`.",
                ex);
        }

        var server = new LoopbackCallbackServer(listener);
        server._acceptLoop = server.AcceptLoopAsync();
        return server;
    }

    /// <summary>Waits for the browser to arrive at <c>/auth/callback</c>.</summary>
    public Task<CallbackRequest> WaitForCallbackAsync(CancellationToken cancellationToken) => _callback.Task.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        if (_callback.Task.IsCompletedSuccessfully)
        {
            _callback.Task.Result.Dispose();
        }

        _stop.Dispose();
    }

    private static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.ExclusiveAddressUse = OperatingSystem.IsWindows();
        listener.Start();
        return listener;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            // Each connection on its own task: a browser's idle pre-connection must not hold up the real callback.
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        bool handedOver = false;
        try
        {
            NetworkStream stream = client.GetStream();
            using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            readTimeout.CancelAfter(TimeSpan.FromSeconds(30));
            string? target = await ReadRequestTargetAsync(stream, readTimeout.Token).ConfigureAwait(false);
            if (target is null)
            {
                await WriteAsync(stream, 400, "Bad request.", _stop.Token).ConfigureAwait(false);
                return;
            }

            int q = target.IndexOf('?', StringComparison.Ordinal);
            string path = q < 0 ? target : target[..q];
            if (!string.Equals(path, "/auth/callback", StringComparison.Ordinal))
            {
                await WriteAsync(stream, 404, "Not found.", _stop.Token).ConfigureAwait(false);
                return;
            }

            var request = new CallbackRequest(client, ParseQuery(q < 0 ? string.Empty : target[(q + 1)..]));
            if (_callback.TrySetResult(request))
            {
                handedOver = true;
            }
            else
            {
                await WriteAsync(stream, 409, "This sign-in was already handled. You can close this window.", _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            if (!handedOver)
            {
                client.Dispose();
            }
        }
    }

    private static async Task<string?> ReadRequestTargetAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxRequestHeadBytes];
        int length = 0;
        while (length < buffer.Length)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        string head = Encoding.ASCII.GetString(buffer, 0, length);
        int lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        string requestLine = lineEnd < 0 ? head : head[..lineEnd];
        string[] parts = requestLine.Split(' ');
        return parts.Length == 3 && parts[0] == "GET" && parts[1].StartsWith('/') && parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal)
            ? parts[1]
            : null;
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = Unescape(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? string.Empty : Unescape(pair[(eq + 1)..]);
            result.TryAdd(name, value);
        }

        return result;

        static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
    }

    internal static async Task WriteAsync(Stream stream, int status, string message, CancellationToken cancellationToken)
    {
        string reason = status switch { 200 => "OK", 400 => "Bad Request", 404 => "Not Found", 409 => "Conflict", _ => "Error" };
        string html = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Codex sign-in</title></head><body><p>{WebUtility.HtmlEncode(message)}</p></body></html>";
        byte[] body = Encoding.UTF8.GetBytes(html);
        string head = $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
