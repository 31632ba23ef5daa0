using System.Collections.Concurrent;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Codex.Auth.Proxy.Tests.Hardening;

/// <summary>
/// An upstream that records each request's raw target and headers as they arrived, answers <see cref="Status"/> and sets a cookie.
/// Workspace routing discovery (<c>wham/accounts/check</c>) is answered with no residency constraint and not recorded.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string RawTarget, Dictionary<string, string> Headers)> _seen = new();
    private TestUpstream _upstream = null!;

    public const string SetCookieValue = "upstream_session=host-session-cookie-value; Path=/; HttpOnly";

    public Uri BaseAddress => _upstream.BaseAddress;

    /// <summary>Gets or sets the status of every answer but discovery's.</summary>
    public int Status { get; set; } = 200;

    public IReadOnlyList<(string RawTarget, Dictionary<string, string> Headers)> Seen => [.. _seen];

    public static async Task<RecordingUpstream> StartAsync()
    {
        var recording = new RecordingUpstream();
        recording._upstream = await TestUpstream.StartAsync(app => app.Run(async context =>
        {
            string raw = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            if (raw.StartsWith("/backend-api/wham/accounts/check", StringComparison.Ordinal))
            {
                string account = context.Request.Headers["ChatGPT-Account-ID"].ToString();
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$"""{"accounts":[{"id":"{{account}}","workspace_backend_origin":"NO_CONSTRAINT","account_routing_override":"NO_CONSTRAINT"}]}""");
                return;
            }

            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => string.Join(" | ", h.Value.ToArray()), StringComparer.OrdinalIgnoreCase);
            recording._seen.Enqueue((raw, headers));
            context.Response.StatusCode = recording.Status;
            context.Response.Headers.SetCookie = SetCookieValue;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{}");
        }));
        return recording;
    }

    public ValueTask DisposeAsync() => _upstream.DisposeAsync();
}
