using System.Collections.Concurrent;
using System.Net;
using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.Backchannel;
using Codex.Auth.ChatGpt;
using Codex.Auth.SignIn;
using Codex.Auth.Tests.AgentIdentity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Tests.Backchannel;

/// <summary>
/// The back channel's rules, each tested once here over real sockets: bounded retries with back-off and
/// <c>Retry-After</c> on the fake clock, no redirects (whatever handler is configured), the HTTPS-or-loopback rule
/// for every endpoint and override, and the mapping of failures to <see cref="CodexAuthException"/>.
/// </summary>
public sealed class BackchannelTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_start = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _answers = new();
    private readonly ConcurrentQueue<string> _seen = new();
    private readonly ConcurrentQueue<string> _elsewhere = new();
    private WebApplication _server = null!;
    private WebApplication _other = null!;
    private Uri _base = null!;
    private Uri _otherBase = null!;

    public async Task InitializeAsync()
    {
        (_server, _base) = await StartAsync(async context =>
        {
            _seen.Enqueue(context.Request.Path);
            if (_answers.TryDequeue(out Func<HttpContext, Task>? answer))
            {
                await answer(context);
                return;
            }

            await context.Response.WriteAsync("{}");
        });
        (_other, _otherBase) = await StartAsync(async context =>
        {
            _elsewhere.Enqueue(context.Request.Path + " " + string.Join(",", context.Request.Headers.Keys));
            await context.Response.WriteAsync("{}");
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _other.DisposeAsync();
    }

    [Fact]
    public async Task A_transient_answer_is_retried_after_the_servers_Retry_After_on_the_fake_clock()
    {
        var time = new SignalingTimeProvider(s_start);
        _answers.Enqueue(context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "7";
            return Task.CompletedTask;
        });
        BackchannelClient client = new(CodexBackchannel.DefaultHttpClientFactory, time, new BackchannelPolicy(3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));

        Task<HttpResponseMessage> sending = client.SendAsync(Call("token"), static url => new HttpRequestMessage(HttpMethod.Post, url), new Uri(_base, "token"), CancellationToken.None);
        TimeSpan delay = await time.WaitForTimerAsync(d => d > TimeSpan.Zero && d != TimeSpan.FromSeconds(30) && d != Timeout.InfiniteTimeSpan);

        Assert.Equal(TimeSpan.FromSeconds(7), delay);
        Assert.Single(_seen);
        Assert.False(sending.IsCompleted);
        time.Advance(delay);
        using HttpResponseMessage response = await sending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _seen.Count);
    }

    [Fact]
    public async Task Attempts_are_bounded_back_off_grows_and_the_failure_is_typed()
    {
        var time = new SignalingTimeProvider(s_start);
        for (int i = 0; i < 10; i++)
        {
            _answers.Enqueue(static context =>
            {
                context.Response.StatusCode = 500;
                return Task.CompletedTask;
            });
        }

        BackchannelClient client = new(CodexBackchannel.DefaultHttpClientFactory, time, new BackchannelPolicy(2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)));
        Task<HttpResponseMessage> sending = client.SendAsync(Call("token"), static url => new HttpRequestMessage(HttpMethod.Post, url), new Uri(_base, "token"), CancellationToken.None);
        var delays = new List<TimeSpan>();
        for (int retry = 0; retry < 2; retry++)
        {
            TimeSpan delay = await time.WaitForTimerAsync(d => d > TimeSpan.Zero && d != TimeSpan.FromSeconds(30) && d != Timeout.InfiniteTimeSpan);
            delays.Add(delay);
            time.Advance(delay);
        }

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => sending);
        Assert.Equal(3, _seen.Count);
        Assert.Equal(CodexAuthFailureReason.RefreshFailed, ex.Reason);
        Assert.Contains("HTTP 500 after 3 attempts", ex.Message, StringComparison.Ordinal);
        Assert.Contains(new Uri(_base, "token").GetLeftPart(UriPartial.Path), ex.Message, StringComparison.Ordinal);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(1), BackchannelPolicy.MaxDelay));
    }

    [Fact]
    public async Task A_client_error_is_returned_at_once_for_the_caller_to_interpret()
    {
        _answers.Enqueue(static context =>
        {
            context.Response.StatusCode = 400;
            return Task.CompletedTask;
        });
        BackchannelClient client = new(CodexBackchannel.DefaultHttpClientFactory, TimeProvider.System, BackchannelPolicy.Default);

        using HttpResponseMessage response = await client.SendAsync(Call("token"), static url => new HttpRequestMessage(HttpMethod.Post, url), new Uri(_base, "token"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Single(_seen);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_is_never_followed_by_the_default_client(int status)
    {
        Redirect(status, new Uri(_otherBase, "stolen"));
        BackchannelClient client = new(CodexBackchannel.DefaultHttpClientFactory, TimeProvider.System, BackchannelPolicy.Default);

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => client.SendAsync(Call("token"), static url => new HttpRequestMessage(HttpMethod.Post, url), new Uri(_base, "token"), CancellationToken.None));

        Assert.Contains("redirect, which is not followed", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_elsewhere);
        Assert.Single(_seen);
    }

    [Fact]
    public async Task With_dependency_injection_the_named_client_is_used_and_redirects_stay_off_whatever_handler_is_configured()
    {
        var services = new ServiceCollection();
        services.AddCodexAuth();
        int created = 0;
        services.AddHttpClient(CodexBackchannel.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() =>
            {
                Interlocked.Increment(ref created);
                return new HttpClientHandler { AllowAutoRedirect = true };
            });
        using ServiceProvider provider = services.BuildServiceProvider();
        CodexProviderContext context = provider.GetRequiredService<CodexProviderContext>();
        Redirect(302, new Uri(_otherBase, "stolen"));

        BackchannelClient client = context.CreateBackchannel(BackchannelPolicy.Default);
        await Assert.ThrowsAsync<CodexAuthException>(() => client.SendAsync(Call("token"), static url => new HttpRequestMessage(HttpMethod.Post, url), new Uri(_base, "token"), CancellationToken.None));

        Assert.Equal(1, created);
        Assert.Empty(_elsewhere);
        Assert.Same(provider.GetRequiredService<IHttpClientFactory>(), context.HttpClientFactory);
        Assert.Same(context, provider.GetRequiredService<CodexProviderFactory>().Context);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_a_typed_failure_naming_the_endpoint_and_a_cancelled_caller_is_not()
    {
        Uri closed = new($"http://127.0.0.1:{LoopbackPorts.Free()}/oauth/token");
        BackchannelClient client = new(CodexBackchannel.DefaultHttpClientFactory, TimeProvider.System, new BackchannelPolicy(0, TimeSpan.Zero, TimeSpan.FromSeconds(30)));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => client.SendAsync(Call("token", closed), static url => new HttpRequestMessage(HttpMethod.Post, url), closed, CancellationToken.None));
        Assert.Equal(CodexAuthFailureReason.RefreshFailed, ex.Reason);
        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);
        Assert.Contains(closed.AbsoluteUri, ex.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(ex.InnerException);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(Call("token"), static url => new HttpRequestMessage(HttpMethod.Post, url), new Uri(_base, "token"), cancelled.Token));
    }

    [Theory]
    [InlineData("https://auth.openai.com/oauth/token")]
    [InlineData("http://127.0.0.1:1455/oauth/token")]
    [InlineData("http://localhost:8080/x")]
    [InlineData("http://[::1]:9/x")]
    public void Https_or_plain_http_to_loopback_is_allowed(string value) =>
        Assert.Equal(new Uri(value), BackchannelEndpoints.Parse(value, "SETTING"));

    [Theory]
    [InlineData("http://remote-host/oauth/token", CodexAuthFailureReason.InsecureTransport)]
    [InlineData("http://10.0.0.1/oauth/token", CodexAuthFailureReason.InsecureTransport)]
    [InlineData("not a url", CodexAuthFailureReason.InvalidEndpoint)]
    [InlineData("/oauth/token", CodexAuthFailureReason.InvalidEndpoint)]
    [InlineData("file:///etc/passwd", CodexAuthFailureReason.InvalidEndpoint)]
    [InlineData("ftp://example.com/x", CodexAuthFailureReason.InvalidEndpoint)]
    [InlineData("https://user:hunter2secret@auth.example.com/oauth/token", CodexAuthFailureReason.InvalidEndpoint)]
    [InlineData("http://user:hunter2secret@remote-host/oauth/token", CodexAuthFailureReason.InvalidEndpoint)]
    [InlineData("http://user:hunter2secret@remote-host:notaport/oauth/token", CodexAuthFailureReason.InvalidEndpoint)]
    public void Anything_else_is_a_typed_error_that_never_echoes_a_password(string value, CodexAuthFailureReason reason)
    {
        var ex = Assert.Throws<CodexAuthException>(() => BackchannelEndpoints.Parse(value, "SETTING"));

        Assert.Equal(reason, ex.Reason);
        Assert.Contains("SETTING", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2secret", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("user:", ex.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string> Overrides() =>
    [
        CodexEnvironmentVariables.RefreshTokenUrlOverride,
        CodexEnvironmentVariables.RevokeTokenUrlOverride,
        CodexEnvironmentVariables.AgentIdentityJwksBaseUrl,
        CodexEnvironmentVariables.AgentIdentityAuthApiBaseUrl,
    ];

    [Theory]
    [MemberData(nameof(Overrides))]
    public void Every_endpoint_override_follows_the_rule(string variable)
    {
        foreach ((string value, CodexAuthFailureReason reason) in new[]
        {
            ("http://remote-host/x", CodexAuthFailureReason.InsecureTransport),
            ("http://user:hunter2secret@remote-host/x", CodexAuthFailureReason.InvalidEndpoint),
            ("file:///tmp/x", CodexAuthFailureReason.InvalidEndpoint),
        })
        {
            var context = new CodexProviderContext
            {
                Environment = CodexEnvironment.FromValues(new Dictionary<string, string?> { [variable] = value }),
                CredentialStore = new Codex.Auth.Storage.InMemoryCredentialStore(),
            };
            var ex = Assert.Throws<CodexAuthException>(() => Build(variable, context));
            Assert.Equal(reason, ex.Reason);
            Assert.Contains(variable, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2secret", ex.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_endpoint_option_follows_the_rule()
    {
        var context = new CodexProviderContext { Environment = CodexEnvironment.FromValues(new Dictionary<string, string?>()), CredentialStore = new Codex.Auth.Storage.InMemoryCredentialStore() };
        var remote = new Uri("http://remote-host/x");
        var factory = new CodexProviderFactory(context);

        Assert.Equal(CodexAuthFailureReason.InsecureTransport, Assert.Throws<CodexAuthException>(() => factory.CreateChatGpt(new ChatGptTokenProviderOptions { RefreshTokenUrl = remote })).Reason);
        Assert.Equal(CodexAuthFailureReason.InsecureTransport, Assert.Throws<CodexAuthException>(() => factory.CreateAgentIdentity(new AgentIdentityProviderOptions { JwksBaseUrl = remote })).Reason);
        Assert.Equal(CodexAuthFailureReason.InsecureTransport, Assert.Throws<CodexAuthException>(() => factory.CreateAgentIdentity(new AgentIdentityProviderOptions { AuthApiBaseUrl = remote })).Reason);
        Assert.Equal(CodexAuthFailureReason.InsecureTransport, Assert.Throws<CodexAuthException>(() => factory.CreatePersonalAccessToken(new PersonalAccessTokenProviderOptions { AuthApiBaseUrl = remote })).Reason);
        Assert.Equal(CodexAuthFailureReason.InsecureTransport, Assert.Throws<CodexAuthException>(() => new CodexSignIn(new Codex.Auth.Storage.InMemoryCredentialStore(), new SignInOptions { Issuer = remote })).Reason);
        Assert.Equal(CodexAuthFailureReason.InsecureTransport, Assert.Throws<CodexAuthException>(() => new CodexSignIn(new Codex.Auth.Storage.InMemoryCredentialStore(), new SignInOptions { RevokeUrl = remote })).Reason);
    }

    private static object Build(string variable, CodexProviderContext context) => variable switch
    {
        CodexEnvironmentVariables.RefreshTokenUrlOverride => new CodexProviderFactory(context).CreateChatGpt(new ChatGptTokenProviderOptions()),
        CodexEnvironmentVariables.RevokeTokenUrlOverride => SignInOptions.FromEnvironment(context.Environment),
        _ => new CodexProviderFactory(context).CreateAgentIdentity(new AgentIdentityProviderOptions()),
    };

    private void Redirect(int status, Uri location) =>
        _answers.Enqueue(context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = location.AbsoluteUri;
            return Task.CompletedTask;
        });

    private BackchannelCall Call(string path, Uri? url = null) =>
        new("Refreshing the ChatGPT token", url ?? new Uri(_base, path), CodexAuthFailureReason.RefreshFailed, "Try again.");


    private static async Task<(WebApplication App, Uri Base)> StartAsync(RequestDelegate handler)
    {
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        WebApplication app = builder.Build();
        app.Run(handler);
        Uri address = await LoopbackKestrel.StartAsync(app);
        return (app, address);
    }
}
