// Exercises the library's main paths after trimming (and, with -p:PublishAot=true, native AOT): DI registration with
// IHttpClientFactory and options validation, the handler's per-attempt header application, auth.json reading and
// atomic writing, JWT claim decoding, a ChatGPT refresh with its JSON request and response, and 401 recovery.
// Everything is in process: the primary handler answers like the token endpoint and the backend. Exit code 0 = OK.
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth;
using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Microsoft.Extensions.DependencyInjection;

string home = Directory.CreateTempSubdirectory("codex-auth-aot-").FullName;
try
{
    // 1. DI + IHttpClientFactory + options validation + the handler, with an explicit API key.
    var services = new ServiceCollection();
    services.AddHttpClient("openai", c => c.BaseAddress = new Uri("https://api.openai.com/v1/"))
            .AddCodexAuth(o =>
            {
                o.Source = CodexCredentialSource.ApiKey;
                o.ApiKey = "sk-aot-0123456789";
            })
            .ConfigurePrimaryHttpMessageHandler(() => new Backend("Bearer sk-aot-0123456789"));
    await using (ServiceProvider sp = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }))
    {
        HttpClient openai = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        using HttpResponseMessage models = await openai.GetAsync("models");
        Check(models.StatusCode == HttpStatusCode.OK, "API key through IHttpClientFactory");
    }

    // 2. auth.json written by the sign-in code (atomic, 0600) and read back by the resolver-style provider.
    var store = new FileCredentialStore(home);
    using (var signIn = new CodexSignIn(store, new SignInOptions()))
    {
        await signIn.SaveApiKeyAsync("sk-stored-0123456789");
        SignInStatus? status = await signIn.GetStatusAsync();
        Check(status?.Mode == CodexAuthMode.ApiKey, "auth.json round trip");
    }

    var fromStore = new ApiKeyProvider(new ApiKeyProviderOptions { CodexHome = home }, CodexEnvironment.FromValues(new Dictionary<string, string?>()));
    Check((await fromStore.GetHeadersAsync()).Scheme == "Bearer", "API key from auth.json");

    // 3. A ChatGPT sign-in that is past expiry: one refresh (JSON out, JSON in, auth.json rewritten), then a 401 recovery.
    DateTimeOffset now = DateTimeOffset.UtcNow;
    string expired = Jwt(new JsonObject { ["exp"] = now.AddMinutes(-1).ToUnixTimeSeconds(), ["iat"] = now.AddHours(-1).ToUnixTimeSeconds() });
    string idToken = Jwt(new JsonObject
    {
        ["email"] = "aot@example.com",
        ["https://api.openai.com/auth"] = new JsonObject { ["chatgpt_account_id"] = "acct_aot", ["chatgpt_plan_type"] = "plus" },
    });
    var document = new JsonObject
    {
        ["auth_mode"] = "chatgpt",
        ["OPENAI_API_KEY"] = null,
        ["tokens"] = new JsonObject { ["id_token"] = idToken, ["access_token"] = expired, ["refresh_token"] = "rt_aot_1", ["account_id"] = "acct_aot" },
        ["last_refresh"] = now.AddHours(-1).ToString("O"),
    };
    await File.WriteAllTextAsync(Path.Combine(home, "auth.json"), document.ToJsonString());

    var backend = new Backend(expectedAuthorization: null) { IdToken = idToken };
    using var refreshHttp = new HttpClient(backend, disposeHandler: false);
    using var chatGpt = new ChatGptTokenProvider(
        new ChatGptTokenProviderOptions { CodexHome = home, RefreshTokenUrl = new Uri("https://auth.openai.com/oauth/token"), RefreshRetryDelay = TimeSpan.Zero },
        TimeProvider.System,
        refreshHttp,
        CodexEnvironment.FromValues(new Dictionary<string, string?>()));
    using var codex = new HttpClient(new CodexAuthHandler(chatGpt) { InnerHandler = backend }) { BaseAddress = new Uri("https://chatgpt.com/backend-api/codex/") };
    using (HttpResponseMessage first = await codex.PostAsync("responses", new StringContent("{\"model\":\"gpt-5-codex\"}", Encoding.UTF8, "application/json")))
    {
        Check(first.StatusCode == HttpStatusCode.OK && backend.Refreshes == 1, "ChatGPT refresh past expiry");
    }

    backend.RejectNext = true;
    using (HttpResponseMessage second = await codex.GetAsync("models"))
    {
        Check(second.StatusCode == HttpStatusCode.OK && backend.Refreshes == 2, "401 recovery");
    }

    ChatGptSession session = await chatGpt.GetSessionAsync();
    Check(session.AccountId == "acct_aot" && session.Identity.Email == "aot@example.com", "id_token claims");
    Check(File.ReadAllText(Path.Combine(home, "auth.json")).Contains("rt_aot_3", StringComparison.Ordinal), "auth.json rewritten after refresh");
    Console.WriteLine("Codex.Auth AOT/trim validation: all checks passed.");
    return 0;
}
finally
{
    Directory.Delete(home, recursive: true);
}

static void Check(bool condition, string what)
{
    Console.WriteLine($"{(condition ? "ok  " : "FAIL")} {what}");
    if (!condition)
    {
        Environment.Exit(1);
    }
}

static string Jwt(JsonObject payload) =>
    B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64(payload.ToJsonString()) + ".c2ln";

static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

/// <summary>Answers like the token endpoint (rotating refresh tokens) and the backend (accepting the current bearer).</summary>
internal sealed class Backend(string? expectedAuthorization) : HttpMessageHandler
{
    private string _current = string.Empty;

    public int Refreshes { get; private set; }

    public bool RejectNext { get; set; }

    public string IdToken { get; set; } = string.Empty;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri!.AbsolutePath == "/oauth/token")
        {
            JsonNode body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            if ((string?)body["grant_type"] != "refresh_token" || (string?)body["refresh_token"] != "rt_aot_" + (Refreshes + 1))
            {
                return new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("{\"error\":\"invalid_grant\"}") };
            }

            Refreshes++;
            DateTimeOffset now = DateTimeOffset.UtcNow;
            _current = "eyJhbGciOiJub25lIn0." + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"exp\":{now.AddHours(1).ToUnixTimeSeconds()},\"iat\":{now.ToUnixTimeSeconds()},\"n\":{Refreshes}}}")).TrimEnd('=') + ".c2ln";
            var answer = new JsonObject { ["id_token"] = IdToken, ["access_token"] = _current, ["refresh_token"] = "rt_aot_" + (Refreshes + 1) };
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json") };
        }

        string? authorization = request.Headers.Authorization?.ToString();
        bool accepted = expectedAuthorization is not null ? authorization == expectedAuthorization : authorization == "Bearer " + _current && !RejectNext;
        RejectNext = false;
        return new HttpResponseMessage(accepted ? HttpStatusCode.OK : HttpStatusCode.Unauthorized) { Content = new StringContent("{}") };
    }
}
