using System.Net;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class TokenFaultTests
{
    [Fact]
    public async Task Server_error_is_used_the_given_number_of_times_and_does_not_spend_the_token()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();
        server.TokenFaults.ServerError(times: 2, status: HttpStatusCode.BadGateway);
        Assert.Equal(2, server.TokenFaults.Pending);

        using HttpResponseMessage first = await RefreshAsync(http, server, signIn.RefreshToken);
        using HttpResponseMessage second = await RefreshAsync(http, server, signIn.RefreshToken);
        using HttpResponseMessage third = await RefreshAsync(http, server, signIn.RefreshToken);

        Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
        Assert.Equal("server_error", await ErrorCodeAsync(first));
        Assert.Equal(HttpStatusCode.BadGateway, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(3, server.TokenRefreshCount);
        Assert.Equal(0, server.TokenFaults.Pending);
    }

    [Fact]
    public async Task Unauthorized_fault_answers_401()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.TokenFaults.Unauthorized();

        using HttpResponseMessage response = await RefreshAsync(http, server, server.SignIn().RefreshToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorized", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Invalid_grant_fault_uses_the_oauth_string_error()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.TokenFaults.InvalidGrant();

        using HttpResponseMessage response = await RefreshAsync(http, server, server.SignIn().RefreshToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", (await JsonAsync(response))["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Refresh_token_expired_fault_answers_400_with_the_code()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.TokenFaults.RefreshTokenExpired();

        using HttpResponseMessage response = await RefreshAsync(http, server, server.SignIn().RefreshToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("refresh_token_expired", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Custom_fault_sends_status_body_and_retry_after()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.TokenFaults.Respond(HttpStatusCode.TooManyRequests, "not json at all", TimeSpan.FromSeconds(7));

        using HttpResponseMessage response = await RefreshAsync(http, server, server.SignIn().RefreshToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("not json at all", await response.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Faults_are_used_in_order_and_can_be_cleared()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();
        server.TokenFaults.Unauthorized();
        server.TokenFaults.InvalidGrant();

        using HttpResponseMessage first = await RefreshAsync(http, server, signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        server.TokenFaults.Clear();
        using HttpResponseMessage second = await RefreshAsync(http, server, signIn.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task Gate_holds_the_response_until_released()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();
        FakeGate gate = server.TokenFaults.HoldNextResponse();

        Task<HttpResponseMessage> held = RefreshAsync(http, server, signIn.RefreshToken);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(held.IsCompleted);
        Assert.False(gate.IsReleased);
        Assert.Equal(1, server.TokenRefreshCount);
        gate.Release();
        using HttpResponseMessage response = await held.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Gate_lets_a_test_race_two_refreshes_of_the_same_token()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();
        FakeGate gate = server.TokenFaults.HoldNextResponse();

        Task<HttpResponseMessage> slow = RefreshAsync(http, server, signIn.RefreshToken);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        using HttpResponseMessage fast = await RefreshAsync(http, server, signIn.RefreshToken);
        gate.Release();
        using HttpResponseMessage late = await slow.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.OK, fast.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Equal("refresh_token_reused", await ErrorCodeAsync(late));
    }

    [Fact]
    public async Task Disposing_the_server_releases_a_held_request()
    {
        var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeGate gate = server.TokenFaults.HoldNextResponse();
        Task<HttpResponseMessage> held = RefreshAsync(http, server, server.SignIn().RefreshToken);
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(30));

        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(gate.IsReleased);
        try
        {
            (await held.WaitAsync(TimeSpan.FromSeconds(30))).Dispose();
        }
        catch (HttpRequestException)
        {
            // The connection may be closed by the shutdown; either way the client is not left hanging.
        }
    }
}
