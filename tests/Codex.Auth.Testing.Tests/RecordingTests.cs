using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class RecordingTests
{
    [Fact]
    public async Task Requests_are_recorded_with_method_path_headers_body_and_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time });
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        using HttpResponseMessage refresh = await RefreshAsync(http, server, signIn.RefreshToken);
        using HttpRequestMessage call = Backend(HttpMethod.Get, new Uri(server.CodexBaseUrl + "/models?client_version=1.2"), "nope", "acct_test");
        call.Headers.Add("originator", "codex_cli_rs");
        using HttpResponseMessage rejected = await http.SendAsync(call);

        IReadOnlyList<RecordedRequest> requests = server.Requests;
        Assert.Equal(2, requests.Count);
        RecordedRequest token = Assert.Single(server.RequestsTo("/OAUTH/token"));
        Assert.Equal("POST", token.Method);
        Assert.Contains("\"refresh_token\":\"" + signIn.RefreshToken + "\"", token.Body, StringComparison.Ordinal);
        Assert.StartsWith("application/json", token.Header("content-type"), StringComparison.Ordinal);
        Assert.Equal(time.GetUtcNow(), token.Timestamp);

        RecordedRequest backend = requests[1];
        Assert.Equal("/backend-api/codex/models", backend.Path);
        Assert.Equal("/backend-api/codex/models?client_version=1.2", backend.PathAndQuery);
        Assert.Equal("codex_cli_rs", backend.Header("ORIGINATOR"));
        Assert.Equal("acct_test", backend.Headers["chatgpt-account-id"]);
        Assert.Equal("Bearer nope", backend.Header("Authorization"));
        Assert.Null(backend.Header("x-missing"));
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);

        Assert.Equal(1, server.TokenRefreshCount);
        server.ClearRequests();
        Assert.Empty(server.Requests);
        Assert.Equal(0, server.TokenRefreshCount);
    }

    [Fact]
    public async Task Snapshot_does_not_change_after_more_requests()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        IReadOnlyList<RecordedRequest> before = server.Requests;

        using HttpResponseMessage response = await http.PostAsync(server.RevokeEndpoint, JsonContent.Create(new { token = "x", client_id = server.ClientId }));

        Assert.Empty(before);
        Assert.Single(server.Requests);
    }
}
