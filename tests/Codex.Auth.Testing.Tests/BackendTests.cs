using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class BackendTests
{
    [Fact]
    public async Task Current_token_with_its_account_is_accepted_and_header_names_are_case_insensitive()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_9");

        using var request = new HttpRequestMessage(HttpMethod.Post, Under(server.CodexBaseUrl, "responses"))
        {
            Content = JsonContent.Create(new { model = "gpt-5-codex", input = "hi" }),
        };
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + signIn.AccessToken);
        request.Headers.TryAddWithoutValidation("chatgpt-account-id", "acct_9");
        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject body = await JsonAsync(response);
        Assert.Equal("response", body["object"]!.GetValue<string>());
        Assert.Equal("acct_9", body["account_id"]!.GetValue<string>());
        Assert.StartsWith("resp_", body["id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "acct_1", "missing_authorization")]
    [InlineData(true, null, "account_mismatch")]
    [InlineData(true, "acct_2", "account_mismatch")]
    public async Task Missing_token_or_wrong_account_is_rejected(bool sendToken, string? accountHeader, string code)
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_1");
        server.SignIn("acct_2");

        using HttpRequestMessage request = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), sendToken ? signIn.AccessToken : null, accountHeader);
        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(code, await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Garbage_token_is_rejected()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.SignIn();

        using HttpRequestMessage request = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), "not-a-token", "acct_test");
        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("token_invalid", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Rotated_access_token_is_rejected_and_the_new_one_accepted()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn old = server.SignIn();
        using HttpResponseMessage refresh = await RefreshAsync(http, server, old.RefreshToken);
        string fresh = (await JsonAsync(refresh))["access_token"]!.GetValue<string>();

        using HttpRequestMessage stale = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), old.AccessToken, old.AccountId);
        using HttpResponseMessage rejected = await http.SendAsync(stale);
        using HttpRequestMessage current = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), fresh, old.AccountId);
        using HttpResponseMessage accepted = await http.SendAsync(current);

        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal("token_superseded", await ErrorCodeAsync(rejected));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Expiry_follows_the_time_provider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromMinutes(10) });
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMinutes(10), signIn.AccessTokenExpiresAt);
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds() + 600, Payload(signIn.AccessToken)["exp"]!.GetValue<long>());
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), Payload(signIn.AccessToken)["iat"]!.GetValue<long>());

        time.Advance(TimeSpan.FromMinutes(9));
        using HttpRequestMessage before = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage ok = await http.SendAsync(before);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        time.Advance(TimeSpan.FromMinutes(1));
        using HttpRequestMessage after = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage expired = await http.SendAsync(after);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal("token_expired", await ErrorCodeAsync(expired));
    }

    [Fact]
    public async Task Backend_faults_override_valid_credentials_then_stop()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();
        server.BackendFaults.Unauthorized();
        server.BackendFaults.ServiceUnavailable(retryAfter: TimeSpan.FromSeconds(3));

        HttpResponseMessage[] responses = new HttpResponseMessage[3];
        for (int i = 0; i < responses.Length; i++)
        {
            using HttpRequestMessage request = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), signIn.AccessToken, signIn.AccountId);
            responses[i] = await http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, responses[0].StatusCode);
        Assert.Equal("token_invalid", await ErrorCodeAsync(responses[0]));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, responses[1].StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), responses[1].Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, responses[2].StatusCode);
        Array.ForEach(responses, r => r.Dispose());
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Responses_stream_several_server_sent_events(bool acceptHeader, bool streamFlag)
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        using HttpRequestMessage request = Backend(HttpMethod.Post, Under(server.CodexBaseUrl, "responses"), signIn.AccessToken, signIn.AccountId);
        request.Content = JsonContent.Create(new JsonObject { ["model"] = "gpt-5-codex", ["stream"] = streamFlag });
        if (acceptHeader)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string Event, JsonObject Data)>();
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name!, (JsonNode.Parse(line["data: ".Length..]) as JsonObject)!));
            }
        }

        Assert.True(events.Count >= 3);
        Assert.Equal("response.created", events[0].Event);
        Assert.Equal("response.completed", events[^1].Event);
        Assert.All(events, e => Assert.Equal(e.Event, e.Data["type"]!.GetValue<string>()));
        Assert.Equal(signIn.AccountId, events[^1].Data["response"]!["account_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Websocket_upgrade_of_responses_is_refused_so_clients_fall_back_to_sse()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        using HttpRequestMessage request = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "responses"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public async Task Accounts_check_lists_the_signed_in_account_exactly_once()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_w");

        using HttpRequestMessage request = Backend(HttpMethod.Get, new Uri(server.ChatGptBaseUrl, "wham/accounts/check"), signIn.AccessToken, "acct_w");
        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject body = await JsonAsync(response);
        JsonNode account = Assert.Single(body["accounts"]!.AsArray())!;
        Assert.Equal("acct_w", account["id"]!.GetValue<string>());
        Assert.Equal("NO_CONSTRAINT", account["workspace_backend_origin"]!.GetValue<string>());
        Assert.Equal("acct_w", body["default_account_id"]!.GetValue<string>());
        Assert.Equal("acct_w", Assert.Single(body["account_ordering"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public async Task Models_and_other_backend_paths_answer_when_authorized()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn();

        using HttpRequestMessage models = Backend(HttpMethod.Get, Under(server.CodexBaseUrl, "models"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage modelsResponse = await http.SendAsync(models);
        using HttpRequestMessage other = Backend(HttpMethod.Get, new Uri(server.ChatGptBaseUrl, "wham/settings/user"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage otherResponse = await http.SendAsync(other);
        using HttpRequestMessage anonymous = Backend(HttpMethod.Get, new Uri(server.ChatGptBaseUrl, "wham/settings/user"), null, null);
        using HttpResponseMessage anonymousResponse = await http.SendAsync(anonymous);

        Assert.Equal(HttpStatusCode.OK, modelsResponse.StatusCode);
        Assert.NotEmpty((await JsonAsync(modelsResponse))["models"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, otherResponse.StatusCode);
        Assert.Equal("/backend-api/wham/settings/user", (await JsonAsync(otherResponse))["path"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousResponse.StatusCode);
    }

    [Fact]
    public async Task Api_accepts_registered_keys_only_and_never_chatgpt_tokens()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        server.AddApiKey("sk-test-1");
        FakeSignIn signIn = server.SignIn();

        async Task<HttpStatusCode> CallAsync(string? bearer)
        {
            using HttpRequestMessage request = Backend(HttpMethod.Post, Under(server.ApiBaseUrl, "responses"), bearer, null);
            request.Content = JsonContent.Create(new { model = "gpt-5" });
            using HttpResponseMessage response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await CallAsync("sk-test-1"));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync("sk-test-2"));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(signIn.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallAsync(null));
    }
}
