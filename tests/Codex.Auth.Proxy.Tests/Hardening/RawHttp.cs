using System.Net.Sockets;
using System.Text;

namespace Codex.Auth.Proxy.Tests.Hardening;

/// <summary>Hand-written HTTP/1.1 requests, so that header casing, duplicates, empty values and path encodings reach the proxy as written.</summary>
public static class RawHttp
{
    public static async Task<(int Status, string Response)> SendAsync(Uri proxy, string method, string target, IEnumerable<string> headerLines, string? body = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(proxy.Host, proxy.Port);
        await using NetworkStream stream = tcp.GetStream();
        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        text.Append("Host: ").Append(proxy.Authority).Append("\r\n");
        text.Append("Connection: close\r\n");
        foreach (string line in headerLines)
        {
            text.Append(line).Append("\r\n");
        }

        byte[] content = Encoding.UTF8.GetBytes(body ?? string.Empty);
        if (body is not null)
        {
            text.Append("Content-Type: application/json\r\n");
        }

        text.Append("Content-Length: ").Append(content.Length).Append("\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()));
        await stream.WriteAsync(content);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response = await reader.ReadToEndAsync();
        int status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}
