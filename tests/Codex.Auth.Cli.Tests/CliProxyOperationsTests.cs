using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Testing;

namespace Codex.Auth.Cli.Tests;

/// <summary>
/// <c>codex-auth proxy</c> as a sidecar, as a real process: the health endpoint, metrics, graceful drain on SIGTERM, request limits
/// with JSON reasons, and logging (quiet by default, <c>--log-requests</c>, <c>--log-format json</c>).
/// </summary>
public sealed class CliProxyOperationsTests : IAsyncLifetime
{
    private const string AccountId = "acct_ops";

    private readonly TempDirectory _home = new();
    private readonly List<CliProcess> _processes = [];
    private FakeCodexServer _server = null!;
    private StreamingUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeCodexServer.StartAsync();
        _upstream = await StreamingUpstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (CliProcess process in _processes)
        {
            process.Dispose();
        }

        await _upstream.DisposeAsync();
        await _server.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task Configuration_in_its_working_directory_or_environment_opens_no_other_listener()
    {
        // What ASP.NET Core's default and slim builders read: appsettings.json in the working directory (an agent's project
        // directory, where a sidecar may well be started) and the environment. Kestrel would bind every endpoint they name
        // besides the proxy's own listener: a second port, on any address, in plain HTTP, serving the host's credentials.
        SignInOnHost();
        int filePort = LoopbackPorts.Free(), environmentPort = LoopbackPorts.Free(), urlsPort = LoopbackPorts.Free();
        using var workingDirectory = new TempDirectory();
        File.WriteAllText(
            workingDirectory.File("appsettings.json"),
            """{"Kestrel":{"Endpoints":{"planted":{"Url":"http://127.0.0.1:FILE_PORT"}}},"urls":"http://127.0.0.1:URLS_PORT"}"""
                .Replace("FILE_PORT", filePort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("URLS_PORT", urlsPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var environment = new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__planted__Url"] = $"http://127.0.0.1:{environmentPort}",
            ["ASPNETCORE_Kestrel__Endpoints__planted2__Url"] = $"http://127.0.0.1:{environmentPort}",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{urlsPort}",
            ["DOTNET_URLS"] = $"http://127.0.0.1:{urlsPort}",
        };
        CliProcess proxy = CliProcess.Start(
            _home.Path,
            ["proxy", "--listen", "127.0.0.1:0", "--forward-host-credentials", "--chatgpt-upstream", new Uri(_upstream.BaseAddress, "backend-api").AbsoluteUri, "--auth-upstream", _server.BaseAddress.AbsoluteUri],
            env: environment,
            workingDirectory: workingDirectory.Path);
        _processes.Add(proxy);
        string line = await proxy.WaitForStdoutLineAsync("listening on ");
        using var client = new HttpClient { BaseAddress = new Uri(line["listening on ".Length..], UriKind.Absolute) };

        using HttpResponseMessage health = await client.GetAsync(".codex-auth/health");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        foreach (int port in new[] { filePort, environmentPort, urlsPort })
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            SocketException refused = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        CliResult result = await proxy.TerminateAsync();
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Health_is_healthy_with_a_usable_host_sign_in_needs_no_agent_key_and_is_never_forwarded()
    {
        FakeSignIn host = SignInOnHost();
        string keyFile = _home.File("agent.key");
        File.WriteAllText(keyFile, "0123456789abcdef0123456789abcdef\n");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials", "--agent-key-file", keyFile);
        using var client = new HttpClient { BaseAddress = address };

        using HttpResponseMessage response = await client.GetAsync(".codex-auth/health");
        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, ".codex-auth/health"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        JsonObject body = (JsonObject)JsonNode.Parse(text)!;
        Assert.Equal("healthy", (string?)body["status"]);
        Assert.Equal("forward", (string?)body["mode"]);
        Assert.Equal("ChatGpt", (string?)body["data"]!["kind"]);
        Assert.Equal(host.AccessTokenExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), (string?)body["data"]!["expires_at"]);
        Assert.DoesNotContain(host.AccessToken, text, StringComparison.Ordinal);
        Assert.Empty(_upstream.Paths);
        Assert.Empty(_server.RequestsTo("/.codex-auth/health"));
        CliResult result = await proxy.TerminateAsync();
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Health_is_degraded_while_refreshing_fails_but_the_token_is_still_valid()
    {
        // Issued 15 minutes ago for 20: due for refresh (5 minutes before expiry), valid for 5 more.
        var then = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(-15));
        await _server.DisposeAsync();
        _server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = then, AccessTokenLifetime = TimeSpan.FromMinutes(20) });
        FakeSignIn signIn = _server.SignIn(accountId: AccountId);
        File.WriteAllText(_home.File("auth.json"), signIn.ToAuthJson(then.GetUtcNow()));
        _server.TokenFaults.Respond(HttpStatusCode.BadRequest, """{"error":"invalid_request"}""", times: 50); // transient: not retried in-process
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials");
        await WaitForStderrAsync(proxy, "ChatGPT token refresh failed");
        using var client = new HttpClient { BaseAddress = address };

        using HttpResponseMessage health = await client.GetAsync(".codex-auth/health");
        using HttpResponseMessage forwarded = await client.GetAsync("backend-api/codex/models");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        JsonObject body = (JsonObject)JsonNode.Parse(await health.Content.ReadAsStringAsync())!;
        Assert.Equal("degraded", (string?)body["status"]);
        Assert.Equal(nameof(CodexAuthFailureReason.RefreshFailed), (string?)body["data"]!["failure_reason"]);
        Assert.Contains("stays valid until", (string?)body["description"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
    }

    [Fact]
    public async Task Prometheus_endpoint_counts_requests_by_route_credential_and_status_and_times_the_upstream()
    {
        _ = SignInOnHost();
        int port = LoopbackPorts.Free();
        (_, Uri address) = await StartProxyAsync("--forward-host-credentials", "--metrics-prometheus", $"127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = address };
        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage ok = await client.GetAsync("backend-api/codex/models");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using HttpResponseMessage refused = await client.GetAsync("v1/models"); // a ChatGPT sign-in is never sent to /v1
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

        string metrics = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));

        Assert.Matches("""codex_auth_proxy_requests_total\{[^}]*codex_auth_proxy_credential="injected"[^}]*codex_auth_proxy_route="chatgpt"[^}]*http_response_status_code="200"[^}]*\} 3""", metrics);
        Assert.Matches("""codex_auth_proxy_requests_total\{[^}]*codex_auth_proxy_credential="refused"[^}]*codex_auth_proxy_route="openai"[^}]*http_response_status_code="400"[^}]*\} 1""", metrics);
        Assert.Matches("""codex_auth_proxy_upstream_duration_seconds_count\{[^}]*codex_auth_proxy_route="chatgpt"[^}]*\} 3""", metrics);
    }

    [Fact]
    public async Task Otlp_exporter_posts_the_proxy_metrics_to_the_collector_over_http_protobuf()
    {
        _ = SignInOnHost();
        await using LoopbackServer collector = await LoopbackServer.StartAsync();
        (CliProcess proxy, Uri address) = await StartProxyAsync(
            "--forward-host-credentials", "--metrics-otlp", collector.BaseAddress.AbsoluteUri, "--metrics-interval", "1");
        using var client = new HttpClient { BaseAddress = address };
        using HttpResponseMessage ok = await client.GetAsync("backend-api/codex/models");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        // Exports every second; wait (bounded) for one that carries the request counter.
        SeenRequest? export = null;
        await Eventually.TrueAsync(
            () => (export = collector.Requests.FirstOrDefault(r => r.Body.Contains(Codex.Auth.Proxy.CodexAuthProxyTelemetry.RequestsInstrumentName, StringComparison.Ordinal))) is not null,
            TimeSpan.FromSeconds(60));

        Assert.True(export is not null, $"no OTLP export with {Codex.Auth.Proxy.CodexAuthProxyTelemetry.RequestsInstrumentName} arrived; proxy stderr: {proxy.Stderr}");
        Assert.Equal("POST", export.Method);
        Assert.Equal("/v1/metrics", export.Path);
        Assert.Equal("application/x-protobuf", Assert.Single(export.HeaderValues("content-type")));
        Assert.Contains(Codex.Auth.Diagnostics.CodexAuthTelemetry.MeterName, export.Body, StringComparison.Ordinal);
        Assert.Contains("chatgpt", export.Body, StringComparison.Ordinal); // the route attribute
    }

    [Fact]
    public async Task Sigterm_stops_accepting_lets_an_open_stream_finish_then_exits_0()
    {
        _ = SignInOnHost();
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials", "--drain-timeout", "60");
        using var client = new HttpClient { BaseAddress = address };
        using HttpResponseMessage stream = await client.GetAsync("backend-api/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("data: one", await reader.ReadLineAsync());

        proxy.Signal("TERM");
        await WaitForStderrAsync(proxy, "proxy stopping");
        await ListenerClosedAsync(address); // while the stream is still open
        _upstream.ReleaseStream();
        string rest = await reader.ReadToEndAsync();
        CliResult result = await proxy.WaitForExitAsync();

        Assert.Contains("data: two", rest, StringComparison.Ordinal);
        Assert.Contains("data: [DONE]", rest, StringComparison.Ordinal);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Sigterm_cuts_a_stream_that_outlasts_the_drain_timeout_and_still_exits_0()
    {
        _ = SignInOnHost();
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials", "--drain-timeout", "1");
        using var client = new HttpClient { BaseAddress = address };
        using HttpResponseMessage stream = await client.GetAsync("backend-api/stream", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
        Assert.Equal("data: one", await reader.ReadLineAsync());

        proxy.Signal("TERM");
        CliResult result = await proxy.WaitForExitAsync(); // the upstream never finishes the stream

        Assert.Equal(0, result.ExitCode);
        string? rest = null;
        try
        {
            rest = await reader.ReadToEndAsync();
        }
        catch (IOException)
        {
            // the connection was cut mid-stream
        }
        catch (HttpRequestException)
        {
        }

        Assert.DoesNotContain("data: two", rest ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_over_the_limits_get_413_and_431_with_a_json_reason_and_are_not_forwarded()
    {
        _ = SignInOnHost();
        (_, Uri address) = await StartProxyAsync("--forward-host-credentials", "--max-request-body-size", "1024", "--max-request-headers-size", "2048");
        // Each refused request on its own connection: the proxy closes a connection whose body it did not read.
        using var declaredRequest = new HttpRequestMessage(HttpMethod.Post, "backend-api/codex/responses") { Content = new ByteArrayContent(new byte[4096]) };
        declaredRequest.Headers.ExpectContinue = true; // the 413 comes before the body is sent
        using HttpResponseMessage declared = await SendOnNewConnectionAsync(address, declaredRequest);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "backend-api/codex/responses") { Content = new StreamContent(new MemoryStream(new byte[2048])) };
        chunked.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage streamed = await SendOnNewConnectionAsync(address, chunked);
        using var big = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        big.Headers.Add("X-Padding", new string('a', 3000));
        using HttpResponseMessage headers = await SendOnNewConnectionAsync(address, big);
        using HttpResponseMessage small = await SendOnNewConnectionAsync(address, new HttpRequestMessage(HttpMethod.Post, "backend-api/codex/responses") { Content = new ByteArrayContent(new byte[512]) });

        await AssertJsonErrorAsync(declared, HttpStatusCode.RequestEntityTooLarge, "codex_auth_proxy_body_too_large");
        await AssertJsonErrorAsync(streamed, HttpStatusCode.RequestEntityTooLarge, "codex_auth_proxy_body_too_large");
        await AssertJsonErrorAsync(headers, (HttpStatusCode)431, "codex_auth_proxy_headers_too_large");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.DoesNotContain("/backend-api/codex/models", _upstream.Paths);
    }

    [Fact]
    public async Task An_unreachable_upstream_gets_502_with_a_json_reason()
    {
        _ = SignInOnHost();
        int closed = LoopbackPorts.Free();
        (_, Uri address) = await StartProxyAsync(["--forward-host-credentials", "--upstream-connect-timeout", "5"], chatGptUpstream: new Uri($"http://127.0.0.1:{closed}/backend-api"));
        using var client = new HttpClient { BaseAddress = address };

        using HttpResponseMessage response = await client.GetAsync("backend-api/wham/tasks/list"); // not a model call: no routing discovery first

        await AssertJsonErrorAsync(response, HttpStatusCode.BadGateway, "codex_auth_proxy_upstream_unreachable");
    }

    [Fact]
    public async Task By_default_no_line_is_logged_per_request()
    {
        FakeSignIn host = SignInOnHost();
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials");
        using var client = new HttpClient { BaseAddress = address };
        for (int i = 0; i < 5; i++)
        {
            using HttpResponseMessage response = await client.GetAsync("backend-api/codex/models");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        CliResult result = await proxy.TerminateAsync();

        Assert.Equal(5, _upstream.Paths.Count(p => p == "/backend-api/codex/models"));
        Assert.DoesNotContain("/backend-api/codex/models", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Proxying to", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("listening on", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(host.AccessToken, result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_requests_with_json_format_writes_one_json_object_per_line_with_each_request_and_no_token()
    {
        FakeSignIn host = SignInOnHost();
        (CliProcess proxy, Uri address) = await StartProxyAsync("--forward-host-credentials", "--log-requests", "--log-format", "json");
        using var client = new HttpClient { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "agent-supplied-evil-token");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await proxy.WaitForStderrAsync("/backend-api/codex/models");

        CliResult result = await proxy.TerminateAsync();

        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        JsonElement[] entries = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray(); // every line is JSON
        JsonElement requestLine = Assert.Single(entries, e => e.GetProperty("Message").GetString()!.Contains("GET /backend-api/codex/models", StringComparison.Ordinal));
        Assert.Equal("Information", requestLine.GetProperty("LogLevel").GetString());
        Assert.Equal(200, requestLine.GetProperty("State").GetProperty("StatusCode").GetInt32());
        Assert.DoesNotContain(host.AccessToken, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("agent-supplied-evil-token", result.All, StringComparison.Ordinal);
    }

    private static async Task AssertJsonErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonObject body = (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(code, (string?)body["error"]!["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)body["error"]!["message"]));
    }

    private static async Task<HttpResponseMessage> SendOnNewConnectionAsync(Uri address, HttpRequestMessage request)
    {
        using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = address };
        HttpResponseMessage response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }


    /// <summary>
    /// Connects until the proxy refuses (it closes its listener right after logging that it stops, on another thread), failing
    /// after 20 s. Each attempt that still connects is closed at once.
    /// </summary>
    private static async Task ListenerClosedAsync(Uri address)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, address.Port);
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                return; // refused, or reset by a listener that closed with this connection still in its backlog
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "The proxy still accepted connections 20 s after SIGTERM.");
            await Task.Yield();
        }
    }

    private static async Task WaitForStderrAsync(CliProcess proxy, string needle)
    {
        try
        {
            await proxy.WaitForStderrAsync(needle);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"codex-auth never wrote '{needle}' to stderr. stderr:\n{proxy.Stderr}");
        }
    }



    private FakeSignIn SignInOnHost()
    {
        FakeSignIn signIn = _server.SignIn(accountId: AccountId, plan: "pro", userId: "user-ops");
        File.WriteAllText(_home.File("auth.json"), signIn.ToAuthJson(DateTimeOffset.UtcNow));
        return signIn;
    }

    private Task<(CliProcess Process, Uri Address)> StartProxyAsync(params string[] extra) => StartProxyAsync(extra, chatGptUpstream: null);

    private async Task<(CliProcess Process, Uri Address)> StartProxyAsync(string[] extra, Uri? chatGptUpstream)
    {
        string[] args =
        [
            "proxy", "--listen", "127.0.0.1:0",
            "--chatgpt-upstream", (chatGptUpstream ?? new Uri(_upstream.BaseAddress, "backend-api")).AbsoluteUri,
            "--openai-upstream", new Uri(_upstream.BaseAddress, "v1").AbsoluteUri,
            "--auth-upstream", _server.BaseAddress.AbsoluteUri,
            .. extra,
        ];
        CliProcess process = CliProcess.Start(_home.Path, args, null, new Dictionary<string, string>());
        _processes.Add(process);
        string line = await process.WaitForStdoutLineAsync("listening on ");
        return (process, new Uri(line["listening on ".Length..], UriKind.Absolute));
    }
}
