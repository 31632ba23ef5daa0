using Codex.Auth.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Proxy.Tests.Infrastructure;

/// <summary>
/// A fake auth server + backend on loopback (every upstream), a fake clock, a temp CODEX_HOME with a signed-in auth.json,
/// and proxies started in-process on 127.0.0.1:0 against them.
/// </summary>
public sealed class ProxyFixture : IAsyncDisposable
{
    public const string AccountId = "acct_main";

    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IDisposable> _ownedSync = [];

    private ProxyFixture(FakeTimeProvider time, FakeCodexServer server, TempDirectory home, FakeSignIn signIn)
    {
        Time = time;
        Server = server;
        Home = home;
        SignIn = signIn;
    }

    public FakeTimeProvider Time { get; }

    public FakeCodexServer Server { get; }

    public TempDirectory Home { get; }

    public FakeSignIn SignIn { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    public string AuthPath => Home.File("auth.json");

    public static async Task<ProxyFixture> StartAsync(bool writeAuthJson = true, TimeSpan? lifetime = null)
    {
        // Real "now", so that certificates minted from either clock are valid for TLS peers too.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        FakeCodexServer server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time, AccessTokenLifetime = lifetime ?? TimeSpan.FromHours(1) });
        FakeSignIn signIn = server.SignIn(accountId: AccountId, plan: "pro", userId: "user-main");
        var home = new TempDirectory();
        if (writeAuthJson)
        {
            File.WriteAllText(home.File("auth.json"), signIn.ToAuthJson(time.GetUtcNow()));
        }

        return new ProxyFixture(time, server, home, signIn);
    }

    /// <summary>Options pointing every upstream at the fake server; the host credential is resolved from the temp home.</summary>
    public CodexAuthProxyOptions Options(bool forward)
    {
        Uri fake = Server.BaseAddress;
        var loggers = LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        _ownedSync.Add(loggers);
        return new CodexAuthProxyOptions
        {
            ChatGptUpstream = new Uri(fake, "backend-api"),
            OpenAIUpstream = new Uri(fake, "v1"),
            AuthUpstream = fake,
            ForwardHostCredentials = forward,
            CodexHome = Home.Path,
            Environment = CodexEnvironment.FromValues(new Dictionary<string, string?>()),
            TimeProvider = Time,
            LoggerFactory = loggers,
        };
    }

    public async Task<CodexAuthProxyHost> StartProxyAsync(bool forward, Action<CodexAuthProxyOptions>? configure = null)
    {
        CodexAuthProxyOptions options = Options(forward);
        configure?.Invoke(options);
        CodexAuthProxyHost proxy = await CodexAuthProxyHost.StartAsync(options);
        _owned.Add(proxy);
        return proxy;
    }

    public HttpClient Client(CodexAuthProxyHost proxy, HttpMessageHandler? handler = null)
    {
        var client = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true) { BaseAddress = proxy.Address };
        _ownedSync.Add(client);
        return client;
    }

    public void Own(IAsyncDisposable disposable) => _owned.Add(disposable);

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        foreach (IDisposable d in _ownedSync)
        {
            d.Dispose();
        }

        await Server.DisposeAsync();
        Home.Dispose();
    }
}
