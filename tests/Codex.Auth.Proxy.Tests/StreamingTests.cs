using System.Net;
using System.Net.WebSockets;
using System.Text;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Tests;

public sealed class StreamingTests
{
    [Fact]
    public async Task Server_sent_events_arrive_before_the_upstream_finishes()
    {
        var secondEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestUpstream upstream = await TestUpstream.StartAsync(app => app.MapPost("/backend-api/codex/responses", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("event: response.created\ndata: {\"n\":1}\n\n");
            await context.Response.Body.FlushAsync();
            await secondEvent.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await context.Response.WriteAsync("event: response.completed\ndata: {\"n\":2}\n\n");
        }));
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o => o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api"));
        HttpClient client = fx.Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Post, "backend-api/codex/responses") { Content = new StringContent("""{"stream":true}""", Encoding.UTF8, "application/json") };

        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string first = await ReadEventAsync(reader).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(secondEvent.Task.IsCompleted);
        Assert.Contains("response.created", first, StringComparison.Ordinal);
        secondEvent.SetResult();
        string second = await ReadEventAsync(reader).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("response.completed", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fake_backends_event_stream_flows_through_with_host_credentials()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient client = fx.Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Post, "backend-api/codex/responses") { Content = new StringContent("""{"model":"gpt-5-codex","stream":true}""", Encoding.UTF8, "application/json") };

        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        while (await ReadEventAsync(reader) is { Length: > 0 } evt)
        {
            events.Add(evt);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(4, events.Count);
        Assert.Contains("response.completed", events[^1], StringComparison.Ordinal);
        Assert.Contains(ProxyFixture.AccountId, events[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_websocket_upgrade_carries_the_injected_headers()
    {
        await using TestUpstream upstream = await TestUpstream.StartAsync(app => app.Map("/backend-api/codex/responses", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            string seen = string.Join(
                "|",
                context.Request.Headers.Authorization.ToString(),
                context.Request.Headers["ChatGPT-Account-ID"].ToString(),
                context.Request.Headers["x-api-key"].ToString(),
                context.Request.Headers["OpenAI-Beta"].ToString());
            using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync(Encoding.UTF8.GetBytes(seen), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }));
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o => o.ChatGptUpstream = new Uri(upstream.BaseAddress, "backend-api"));
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer agent-evil");
        socket.Options.SetRequestHeader("ChatGPT-Account-ID", "evil-acct");
        socket.Options.SetRequestHeader("x-api-key", "sk-evil");
        socket.Options.SetRequestHeader("OpenAI-Beta", "responses_websockets=2026-02-06");

        await socket.ConnectAsync(new Uri($"ws://{proxy.Address.Authority}/backend-api/codex/responses"), CancellationToken.None);
        var buffer = new byte[8192];
        WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        string seen = Encoding.UTF8.GetString(buffer, 0, result.Count);
        Assert.Equal($"Bearer {fx.SignIn.AccessToken}|{ProxyFixture.AccountId}||responses_websockets=2026-02-06", seen);
    }

    private static async Task<string> ReadEventAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (text.Length > 0)
                {
                    break;
                }

                continue;
            }

            text.Append(line).Append('\n');
        }

        return text.ToString();
    }
}
