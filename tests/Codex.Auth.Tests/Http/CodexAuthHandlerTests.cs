using System.Net;
using Codex.Auth.Http;
using Codex.Auth.Tests.Infrastructure;
using NSubstitute;

namespace Codex.Auth.Tests.Http;

public sealed class CodexAuthHandlerTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static IAuthProvider Provider(params AuthHeaders[] sequence)
    {
        var provider = Substitute.For<IAuthProvider>();
        provider.BaseUrl.Returns(new Uri("https://chatgpt.com/backend-api/codex"));
        provider.SupportsRecovery.Returns(true);
        if (sequence.Length == 1)
        {
            provider.GetHeadersAsync(Arg.Any<CancellationToken>()).Returns(new ValueTask<AuthHeaders>(sequence[0]));
        }
        else
        {
            provider.GetHeadersAsync(Arg.Any<CancellationToken>()).Returns(
                new ValueTask<AuthHeaders>(sequence[0]),
                sequence.Skip(1).Select(h => new ValueTask<AuthHeaders>(h)).ToArray());
        }

        return provider;
    }

    private static HttpClient Client(IAuthProvider provider, CodexAuthHandlerOptions? options = null) =>
        new(new CodexAuthHandler(provider, options ?? new CodexAuthHandlerOptions()) { InnerHandler = new SocketsHttpHandler() });

    [Fact]
    public async Task Caller_supplied_credential_headers_never_reach_the_server()
    {
        var provider = Provider(new AuthHeaders("Bearer", "provider-token", "acct_1", isFedRamp: true));
        using HttpClient client = Client(provider);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, "responses"));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer caller-token");
        request.Headers.TryAddWithoutValidation("authorization", "Basic Zm9vOmJhcg==");
        request.Headers.TryAddWithoutValidation("ChatGPT-Account-ID", "acct_evil");
        request.Headers.TryAddWithoutValidation("x-openai-fedramp", "false");

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        SeenRequest seen = Assert.Single(_server.Requests);
        Assert.Equal(["Bearer provider-token"], seen.HeaderValues("Authorization"));
        Assert.Equal(["acct_1"], seen.HeaderValues("ChatGPT-Account-ID"));
        Assert.Equal(["true"], seen.HeaderValues("X-OpenAI-Fedramp"));
        Assert.DoesNotContain(seen.Headers.Values.SelectMany(v => v), v => v.Contains("caller-token", StringComparison.Ordinal) || v.Contains("acct_evil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_account_or_fedramp_header_when_the_provider_has_none()
    {
        var provider = Provider(new AuthHeaders("Bearer", "sk-test"));
        using HttpClient client = Client(provider);
        using var request = new HttpRequestMessage(HttpMethod.Get, _server.BaseAddress);
        request.Headers.TryAddWithoutValidation("X-OpenAI-Fedramp", "true");

        using HttpResponseMessage response = await client.SendAsync(request);

        SeenRequest seen = Assert.Single(_server.Requests);
        Assert.Equal(["Bearer sk-test"], seen.HeaderValues("Authorization"));
        Assert.Empty(seen.HeaderValues("ChatGPT-Account-ID"));
        Assert.Empty(seen.HeaderValues("X-OpenAI-Fedramp"));
    }

    [Theory]
    [InlineData("http://chatgpt.com/backend-api/codex/responses")]
    [InlineData("http://example.com/")]
    [InlineData("ftp://chatgpt.com/")]
    public async Task Credentials_are_never_sent_over_plain_http_to_non_loopback_hosts(string url)
    {
        var provider = Provider(new AuthHeaders("Bearer", "t"));
        var inner = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(new CodexAuthHandler(provider) { InnerHandler = inner });

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), default));

        Assert.Equal(CodexAuthFailureReason.InsecureTransport, ex.Reason);
        Assert.Equal(0, inner.Calls);
        await provider.DidNotReceive().GetHeadersAsync(Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/x")]
    [InlineData("http://127.8.9.10/x")]
    [InlineData("http://localhost/x")]
    [InlineData("http://[::1]/x")]
    public async Task Loopback_is_allowed_over_http(string url)
    {
        var provider = Provider(new AuthHeaders("Bearer", "t"));
        var inner = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(new CodexAuthHandler(provider) { InnerHandler = inner });

        using HttpResponseMessage response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, url), default);

        Assert.Equal(1, inner.Calls);
        Assert.Equal("Bearer t", inner.LastAuthorization);
    }

    [Fact]
    public async Task Loopback_can_be_disallowed()
    {
        var provider = Provider(new AuthHeaders("Bearer", "t"));
        using var invoker = new HttpMessageInvoker(new CodexAuthHandler(provider, new CodexAuthHandlerOptions { AllowLoopback = false }) { InnerHandler = new RecordingHandler() });

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/"), default));
        Assert.Equal(CodexAuthFailureReason.InsecureTransport, ex.Reason);
    }

    [Fact]
    public async Task Credentials_go_only_to_the_providers_host_and_configured_hosts()
    {
        var provider = Provider(new AuthHeaders("Bearer", "t"));
        var inner = new RecordingHandler();
        var options = new CodexAuthHandlerOptions();
        options.AllowedHosts.Add("Proxy.Example.com");
        using var invoker = new HttpMessageInvoker(new CodexAuthHandler(provider, options) { InnerHandler = inner });

        (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://CHATGPT.com/backend-api/codex/models"), default)).Dispose();
        (await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://proxy.example.com/v1"), default)).Dispose();
        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://chatgpt.com.evil.example/"), default));

        Assert.Equal(CodexAuthFailureReason.HostNotAllowed, ex.Reason);
        Assert.DoesNotContain("Bearer", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task An_api_key_is_checked_and_applied_on_every_request_not_only_the_first()
    {
        // From the second request on, the handler reads the resolved API key directly (issue 15): the destination check and the
        // header replacement must still happen on every request.
        var provider = new Codex.Auth.ApiKeys.ApiKeyProvider(new Codex.Auth.ApiKeys.ApiKeyProviderOptions { ApiKey = "sk-every-request", UseEnvironment = false, UseCredentialStore = false });
        var inner = new RecordingHandler();
        using var invoker = new HttpMessageInvoker(new CodexAuthHandler(provider) { InnerHandler = inner });
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.openai.com/v1/responses");

        for (int send = 0; send < 3; send++)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer caller-token");
            request.Headers.TryAddWithoutValidation("ChatGPT-Account-ID", "acct_evil");
            (await invoker.SendAsync(request, default)).Dispose();
            Assert.Equal(send + 1, inner.Calls);
            Assert.Equal("Bearer sk-every-request", inner.LastAuthorization);
            Assert.False(request.Headers.Contains("ChatGPT-Account-ID"));
        }

        var insecure = await Assert.ThrowsAsync<CodexAuthException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://api.openai.com/v1/responses"), default));
        var elsewhere = await Assert.ThrowsAsync<CodexAuthException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://api.openai.com.evil.example/v1"), default));
        var relative = await Assert.ThrowsAsync<InvalidOperationException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/responses"), default));

        Assert.Equal(CodexAuthFailureReason.InsecureTransport, insecure.Reason);
        Assert.Equal(CodexAuthFailureReason.HostNotAllowed, elsewhere.Reason);
        Assert.DoesNotContain("sk-every-request", insecure.Message + elsewhere.Message + relative.Message, StringComparison.Ordinal);
        Assert.Equal(3, inner.Calls);
    }

    [Theory]
    [InlineData("Proxy.Example.COM", "https://proxy.EXAMPLE.com/x", true)]
    [InlineData("proxy.example.com.", "https://proxy.example.com/x", true)]
    [InlineData("xn--bcher-kva.example", "https://bücher.example/x", true)]
    [InlineData("XN--BCHER-KVA.example", "https://BÜCHER.example/x", true)]
    [InlineData("proxy.example.com", "https://proxy.example.co/x", false)]
    [InlineData("proxy.example.com", "https://proxy.example.com.evil.example/x", false)]
    [InlineData("proxy.example.com", "https://xproxy.example.com/x", false)]
    public async Task Allowed_hosts_match_the_idn_host_ignoring_case(string allowed, string url, bool expected)
    {
        var provider = Provider(new AuthHeaders("Bearer", "t"));
        var inner = new RecordingHandler();
        var options = new CodexAuthHandlerOptions();
        options.AllowedHosts.Add(allowed);
        using var invoker = new HttpMessageInvoker(new CodexAuthHandler(provider, options) { InnerHandler = inner });

        for (int attempt = 0; attempt < 2; attempt++)
        {
            // A fresh request and a resent one (the same Uri instance) get the same answer.
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            for (int send = 0; send < 2; send++)
            {
                if (expected)
                {
                    (await invoker.SendAsync(request, default)).Dispose();
                }
                else
                {
                    var ex = await Assert.ThrowsAsync<CodexAuthException>(() => invoker.SendAsync(request, default));
                    Assert.Equal(CodexAuthFailureReason.HostNotAllowed, ex.Reason);
                }
            }
        }

        Assert.Equal(expected ? 4 : 0, inner.Calls);
    }

    [Fact]
    public async Task A_401_is_retried_once_with_the_recovered_headers()
    {
        var first = new AuthHeaders("Bearer", "old-token", "acct_1");
        var second = new AuthHeaders("Bearer", "new-token", "acct_1");
        var provider = Provider(first, second);
        provider.RecoverAsync(first, Arg.Any<CancellationToken>()).Returns(new ValueTask<bool>(true));
        _server.Respond = r => r.HeaderValues("Authorization").SequenceEqual(["Bearer new-token"]) ? (200, "{\"ok\":true}") : (401, "{}");
        using HttpClient client = Client(provider);

        using HttpResponseMessage response = await client.PostAsync(new Uri(_server.BaseAddress, "responses"), new StringContent("{\"input\":1}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"ok\":true}", await response.Content.ReadAsStringAsync());
        Assert.Collection(
            _server.Requests,
            r => Assert.Equal(["Bearer old-token"], r.HeaderValues("Authorization")),
            r =>
            {
                Assert.Equal(["Bearer new-token"], r.HeaderValues("Authorization"));
                Assert.Equal("{\"input\":1}", r.Body);
            });
        await provider.Received(1).RecoverAsync(first, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_second_401_goes_back_to_the_caller()
    {
        var first = new AuthHeaders("Bearer", "a");
        var second = new AuthHeaders("Bearer", "b");
        var provider = Provider(first, second);
        provider.RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>()).Returns(new ValueTask<bool>(true));
        _server.Respond = _ => (401, "{\"error\":\"nope\"}");
        using HttpClient client = Client(provider);

        using HttpResponseMessage response = await client.GetAsync(_server.BaseAddress);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(2, _server.Requests.Count);
        await provider.Received(1).RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task No_retry_when_the_provider_says_it_cannot_do_better()
    {
        var provider = Provider(new AuthHeaders("Bearer", "a"));
        provider.RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>()).Returns(new ValueTask<bool>(false));
        _server.Respond = _ => (401, "{}");
        using HttpClient client = Client(provider);

        using HttpResponseMessage response = await client.GetAsync(_server.BaseAddress);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task No_recovery_is_attempted_for_providers_that_cannot_recover()
    {
        var provider = Provider(new AuthHeaders("Bearer", "a"));
        provider.SupportsRecovery.Returns(false);
        _server.Respond = _ => (401, "{}");
        using HttpClient client = Client(provider);

        using HttpResponseMessage response = await client.GetAsync(_server.BaseAddress);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(_server.Requests);
        await provider.DidNotReceive().RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Content_that_cannot_be_sent_again_gets_the_401_but_the_next_request_carries_the_recovered_credential()
    {
        // Issue 12 item 2: the OpenAI SDK sends every POST as a stream; recovery must still happen.
        var provider = Provider(new AuthHeaders("Bearer", "a"), new AuthHeaders("Bearer", "b"));
        provider.RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>()).Returns(new ValueTask<bool>(true));
        _server.Respond = seen => seen.HeaderValues("Authorization").SequenceEqual(["Bearer a"]) ? (401, "{}") : (200, "{}");
        using HttpClient client = Client(provider);

        using var content = new StreamContent(new NonSeekableStream("{\"x\":1}"u8.ToArray()));
        using HttpResponseMessage rejected = await client.PostAsync(_server.BaseAddress, content);

        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Single(_server.Requests);
        await provider.Received(1).RecoverAsync(Arg.Is<AuthHeaders>(h => h.HasSameCredential(new AuthHeaders("Bearer", "a", null, false))), Arg.Any<CancellationToken>());

        using var next = new StreamContent(new NonSeekableStream("{\"x\":2}"u8.ToArray()));
        using HttpResponseMessage accepted = await client.PostAsync(_server.BaseAddress, next);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(["Bearer b"], _server.Requests[1].HeaderValues("Authorization"));
    }

    [Fact]
    public async Task A_permanent_failure_while_recovering_for_unresendable_content_still_returns_the_401()
    {
        var provider = Provider(new AuthHeaders("Bearer", "a"));
        provider.RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>())
            .Returns<ValueTask<bool>>(_ => throw new CodexAuthException(CodexAuthFailureReason.RefreshTokenRevoked, "revoked", "sign in"));
        _server.Respond = _ => (401, "{}");
        using HttpClient client = Client(provider);

        using var content = new StreamContent(new NonSeekableStream("{}"u8.ToArray()));
        using HttpResponseMessage response = await client.PostAsync(_server.BaseAddress, content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_rejected_response_is_disposed_before_the_retry()
    {
        var first = new AuthHeaders("Bearer", "a");
        var provider = Provider(first, new AuthHeaders("Bearer", "b"));
        provider.RecoverAsync(first, Arg.Any<CancellationToken>()).Returns(new ValueTask<bool>(true));
        var inner = new RecordingHandler { StatusFor = auth => auth == "Bearer a" ? HttpStatusCode.Unauthorized : HttpStatusCode.OK };
        using var invoker = new HttpMessageInvoker(new CodexAuthHandler(provider) { InnerHandler = inner });

        using HttpResponseMessage response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/"), default);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, inner.Responses.Count);
        Assert.True(inner.Responses[0].Disposed);
        Assert.False(inner.Responses[1].Disposed);
    }

    [Fact]
    public async Task Waits_for_a_provider_that_is_still_fetching()
    {
        var tcs = new TaskCompletionSource<AuthHeaders>(TaskCreationOptions.RunContinuationsAsynchronously);
        var provider = Substitute.For<IAuthProvider>();
        provider.BaseUrl.Returns(new Uri("https://chatgpt.com/backend-api/codex"));
        provider.GetHeadersAsync(Arg.Any<CancellationToken>()).Returns(new ValueTask<AuthHeaders>(tcs.Task));
        using HttpClient client = Client(provider);

        Task<HttpResponseMessage> send = client.GetAsync(_server.BaseAddress);
        Assert.False(send.IsCompleted);
        Assert.Empty(_server.Requests);
        tcs.SetResult(new AuthHeaders("Bearer", "late"));
        using HttpResponseMessage response = await send;

        Assert.Equal(["Bearer late"], Assert.Single(_server.Requests).HeaderValues("Authorization"));
    }

    [Fact]
    public async Task Provider_failures_surface_as_the_typed_exception_and_nothing_is_sent()
    {
        var provider = Substitute.For<IAuthProvider>();
        provider.BaseUrl.Returns(new Uri("https://chatgpt.com/backend-api/codex"));
        provider.GetHeadersAsync(Arg.Any<CancellationToken>()).Returns<ValueTask<AuthHeaders>>(_ => throw new CodexAuthException(CodexAuthFailureReason.NotSignedIn, "Not signed in.", "Run `codex login`."));
        using HttpClient client = Client(provider);

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => client.GetAsync(_server.BaseAddress));

        Assert.Equal(CodexAuthFailureReason.NotSignedIn, ex.Reason);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData(typeof(StringContent), true)]
    [InlineData(typeof(ByteArrayContent), true)]
    [InlineData(typeof(StreamContent), false)]
    public void Resendable_content_is_recognised(Type type, bool expected)
    {
        HttpContent content = type == typeof(StringContent) ? new StringContent("x")
            : type == typeof(ByteArrayContent) ? new ByteArrayContent([1])
            : new StreamContent(new MemoryStream());
        Assert.Equal(expected, CodexAuthHandler.CanResend(content));
        Assert.True(CodexAuthHandler.CanResend(null));
        Assert.False(CodexAuthHandler.CanResend(new MultipartContent { new StringContent("a"), new StreamContent(new MemoryStream()) }));
        Assert.True(CodexAuthHandler.CanResend(new MultipartContent { new StringContent("a") }));
    }

    private sealed class TrackingResponse(HttpStatusCode status) : HttpResponseMessage(status)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public int Calls { get; private set; }

        public string? LastAuthorization { get; private set; }

        public Func<string?, HttpStatusCode> StatusFor { get; init; } = _ => HttpStatusCode.OK;

        public List<TrackingResponse> Responses { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            LastAuthorization = request.Headers.TryGetValues("Authorization", out var v) ? string.Join(",", v) : null;
            var response = new TrackingResponse(StatusFor(LastAuthorization)) { RequestMessage = request };
            Responses.Add(response);
            return Task.FromResult<HttpResponseMessage>(response);
        }
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
