using Codex.Auth;
using Codex.Auth.Resolution;
using Codex.Auth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Samples;

/// <summary>
/// Chooses where a sample's requests go. <c>--fake</c> (the default when this machine has no Codex credentials):
/// an in-process <see cref="FakeCodexServer"/> on 127.0.0.1 with a fresh ChatGPT sign-in in a temporary CODEX_HOME.
/// <c>--real</c> (the default when credentials exist): the real services with the user's own credentials
/// (<c>codex login</c>, <c>CODEX_API_KEY</c>, <c>CODEX_ACCESS_TOKEN</c>), exactly as the Codex CLI would use them.
/// </summary>
internal sealed class SampleBackend : IAsyncDisposable
{
    private readonly string? _home;

    private SampleBackend(FakeCodexServer? server, string? home, string description)
    {
        Server = server;
        _home = home;
        Description = description;
    }

    /// <summary>The fake server, or <see langword="null"/> against the real services.</summary>
    public FakeCodexServer? Server { get; }

    public bool IsFake => Server is not null;

    public string Description { get; }

    public static async Task<SampleBackend> StartAsync(string[] args)
    {
        bool fake = args.Contains("--fake") || (!args.Contains("--real") && !HasCredentials());
        if (!fake)
        {
            return new SampleBackend(null, null, "the real Codex services, with this machine's Codex credentials");
        }

        FakeCodexServer server = await FakeCodexServer.StartAsync();
        string home = Directory.CreateTempSubdirectory("codex-auth-sample-").FullName;
        FakeSignIn signIn = server.SignIn(accountId: "acct_sample", email: "sample@example.com", plan: "plus");
        await File.WriteAllTextAsync(Path.Combine(home, "auth.json"), signIn.ToAuthJson());
        return new SampleBackend(server, home, $"the fake Codex server at {server.BaseAddress} (signed in as acct_sample)");
    }

    /// <summary>
    /// Registers a named <see cref="HttpClient"/> with Codex.Auth — the one line an app needs — plus, against the fake
    /// server, the environment that points the library at it (as CODEX_HOME and CODEX_REFRESH_TOKEN_URL_OVERRIDE would).
    /// </summary>
    public IHttpClientBuilder AddCodexClient(IServiceCollection services, string name)
    {
        if (Server is null)
        {
            return services.AddHttpClient(name).AddCodexAuth();
        }

        services.AddSingleton(CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            [CodexEnvironmentVariables.CodexHome] = _home,
            [CodexEnvironmentVariables.RefreshTokenUrlOverride] = Server.TokenEndpoint.AbsoluteUri,
        }));
        return services.AddHttpClient(name, c => c.BaseAddress = new Uri(Server.CodexBaseUrl.AbsoluteUri + "/")).AddCodexAuth();
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_home is not null)
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    private static bool HasCredentials()
    {
        try
        {
            ResolvedCredential found = new CodexCredentialResolver().Resolve();
            (found.Provider as IDisposable)?.Dispose();
            return true;
        }
        catch (CodexAuthException)
        {
            return false;
        }
    }
}
